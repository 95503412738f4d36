"""What administration contributes to the other apps' rules (hook points: cvms/hooks.py)."""

from datetime import date, datetime

from django.urls import reverse

from administration.enums import ExportKind
from administration.models import AdministrationRecord, Appointment, OfflineForm
from administration.selectors.booking import booked_ahead
from administration.selectors.records import people_waiting_by_place
from administration.services.booking import no_shows_close
from administration.services.files import export_request, jobs_sweep
from administration.services.merging import Reassigned, ReassignRefused, records_reassign, records_restore
from cvms.models import User
from enrollment.models import Location
from inventory.models import Product
from recipients.interface import MergeRefused
from recipients.models import Recipient


def wastage_report_request(
    *, location: Location, since: date, until: date, by: User, language: str, request=None
) -> str:
    """Inventory's printable wasted/expired report is an export job of the location's forms: made
    on the PDF workers, followed and downloaded on the offline forms' job page."""
    job = export_request(
        kind=ExportKind.WASTAGE_REPORT,
        by=by,
        organization=location.organization,
        location=location,
        params={"since": since.isoformat(), "until": until.isoformat(), "language": language},
        request=request,
    )
    return reverse("provider:administration.offline.job", kwargs={"export_pk": job.pk})


def booked_appointments(*, location: Location, product: Product, since: date) -> int:
    """Inventory's allocation planning shows the appointments booked ahead."""
    return booked_ahead(location=location, product=product, since=since)


def people_waiting() -> list[tuple[str, str, int]]:
    """Inventory's allocation planning weighs each location by the people waiting near it:
    registered, eligible, and with no dose recorded (recipients' people, administration's doses)."""
    return people_waiting_by_place()


def recipients_merged(
    *, survivor: Recipient, duplicate: Recipient, by: User, request=None
) -> dict[str, list[int]]:
    """Dose records are administration's: they move through its service, which bumps their
    version so that the registry export sends them again under the surviving person."""
    try:
        moved = records_reassign(from_recipient=duplicate, to_recipient=survivor, by=by, request=request)
    except ReassignRefused as refused:
        raise MergeRefused(str(refused)) from refused
    ids = {
        AdministrationRecord._meta.label_lower: moved.records,
        Appointment._meta.label_lower: moved.appointments,
        OfflineForm._meta.label_lower: moved.offline_forms,
    }
    return {label: rows for label, rows in ids.items() if rows}


def recipients_merge_undone(
    *, survivor: Recipient, restored: Recipient, moved: dict[str, list[int]], by: User, request=None
) -> dict[str, int]:
    """A merge undone: the dose records, appointments and printed forms it moved go back to the
    restored person, the records' version up again (the registry is sent them once more)."""
    back = records_restore(
        moved=Reassigned(
            records=moved.get(AdministrationRecord._meta.label_lower, []),
            appointments=moved.get(Appointment._meta.label_lower, []),
            offline_forms=moved.get(OfflineForm._meta.label_lower, []),
        ),
        from_recipient=survivor,
        to_recipient=restored,
        by=by,
        request=request,
    )
    counts = {
        AdministrationRecord._meta.label_lower: len(back.records),
        Appointment._meta.label_lower: len(back.appointments),
        OfflineForm._meta.label_lower: len(back.offline_forms),
    }
    return {label: count for label, count in counts.items() if count}


def background_sweep(*, now: datetime) -> dict[str, int]:
    """Export jobs whose task was lost or whose worker died; appointments still booked when
    their clinic day has ended (no-shows)."""
    return {"exports_published": jobs_sweep(now=now), "no_shows": no_shows_close(now=now)}
