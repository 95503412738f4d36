"""What administration contributes to the other apps' rules (hook points: cvms/hooks.py)."""

from datetime import date, datetime

from administration.models import AdministrationRecord, Appointment, OfflineForm
from administration.selectors.booking import booked_ahead
from administration.services.booking import no_shows_close
from administration.services.files import jobs_sweep
from administration.services.merging import ReassignRefused, records_reassign
from cvms.models import User
from enrollment.models import Location
from inventory.models import Product
from recipients.interface import MergeRefused
from recipients.models import Recipient


def booked_appointments(*, location: Location, product: Product, since: date) -> int:
    """Inventory's allocation planning shows the appointments booked ahead."""
    return booked_ahead(location=location, product=product, since=since)


def recipients_merged(*, survivor: Recipient, duplicate: Recipient, by: User, request=None) -> dict[str, int]:
    """Dose records are administration's: they move through its service, which bumps their
    version so that the registry export sends them again under the surviving person."""
    try:
        moved = records_reassign(from_recipient=duplicate, to_recipient=survivor, by=by, request=request)
    except ReassignRefused as refused:
        raise MergeRefused(str(refused)) from refused
    counts = {
        AdministrationRecord._meta.label_lower: len(moved.records),
        Appointment._meta.label_lower: len(moved.appointments),
        OfflineForm._meta.label_lower: len(moved.offline_forms),
    }
    return {label: count for label, count in counts.items() if count}


def background_sweep(*, now: datetime) -> dict[str, int]:
    """Export jobs whose task was lost or whose worker died; appointments still booked when
    their clinic day has ended (no-shows)."""
    return {"exports_published": jobs_sweep(now=now), "no_shows": no_shows_close(now=now)}
