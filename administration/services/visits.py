"""A visit at the point of care: a walk-in who isn't registered yet is registered by the
vaccinator before their dose, and after a dose the vaccinator books the next one before the
person leaves.

Both act for a provider's location the vaccinator may work at (the view passes
`request.locations`); both are audited. What is due next, and from when, is the forecaster's
answer (`administration.selectors.clinical.person_evaluation`); the booking itself is booking's
`appointment_book`, which checks the dose like any other booking; only the clinic's admission (a
priority group open, an invitation) isn't asked again: a person who began a series may finish it.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus
from administration.models import AdministrationRecord, Appointment, Slot
from administration.selectors import booking as booking_selectors
from administration.selectors.clinical import person_evaluation
from administration.services.booking import BookingError, appointment_book
from cvms.audit import audit
from cvms.models import User
from employers.interface import invitee_recipient_find
from enrollment.models import Location
from recipients.enums import Ethnicity, Race
from recipients.interface import recipient_create_by_staff
from recipients.models import Recipient


class WalkInRefused(Exception):
    """A registration at the point of care that can't be done; the message says what to do."""


@dataclass(frozen=True)
class NextDose:
    """The dose the person may be booked for next (the forecaster's answer), and from when."""

    dose_number: int
    earliest: date  # the first day it may be given (past, when it is overdue)
    recommended: date
    past_due: bool
    products: frozenset[int]  # the vaccines that may be given (empty: any)


def booked_appointments(recipient: Recipient) -> list[Appointment]:
    """The person's appointments still to come (booked), soonest first."""
    return list(
        Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED)
        .select_related("slot__clinic__location")
        .order_by("slot__starts_at", "id")
    )


def next_dose_forecast(recipient: Recipient) -> NextDose | None:
    """The dose due next, as the forecaster says (None: nothing is due)."""
    forecast = person_evaluation(recipient).forecast
    if not forecast.due:
        return None
    return NextDose(
        dose_number=forecast.dose_number,
        earliest=forecast.earliest or timezone.localdate(),
        recommended=forecast.recommended or forecast.earliest or timezone.localdate(),
        past_due=forecast.past_due,
        products=forecast.products,
    )


def next_dose_due(recipient: Recipient) -> NextDose | None:
    """What the person may be booked for next; None when nothing is due, or when an appointment
    is booked already (the next visit is planned)."""
    if Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED).exists():
        return None
    return next_dose_forecast(recipient)


@transaction.atomic
def walk_in_register(*, data: dict, location: Location, by: User, request=None) -> Recipient:
    """Register a walk-in who has no record yet, at `location` (one the vaccinator works at).

    Refused when someone of the same name and date of birth is registered already: the walk-in
    search finds them (two records of one person would split their doses). Race and ethnicity
    are left unknown (the registry accepts UNK): the person can give them when they claim their
    record. The roster entries that name the person now follow them."""
    same = Recipient.objects.filter(
        first_name__iexact=data["first_name"],
        last_name__iexact=data["last_name"],
        date_of_birth=data["date_of_birth"],
    )
    if same.exists():
        raise WalkInRefused(
            _(
                "%(name)s, born %(date)s, is registered already: find them with the walk-in search "
                "and record their dose there."
            )
            % {
                "name": f"{data['first_name']} {data['last_name']}",
                "date": formats.date_format(data["date_of_birth"], "DATE_FORMAT"),
            }
        )
    person = {
        **data,
        "email": (data.get("email") or "").strip().lower(),
        "races": [Race.UNKNOWN.value],
        "ethnicity": Ethnicity.UNKNOWN.value,
    }
    recipient = recipient_create_by_staff(data=person, by=by, request=request)
    rosters = invitee_recipient_find(
        recipient_id=recipient.pk,
        first_name=recipient.first_name,
        last_name=recipient.last_name,
        date_of_birth=recipient.date_of_birth,
        email=recipient.email,
        by=by,
        request=request,
    )
    audit(
        action="administration.walk_in.registered",
        by=by,
        target=recipient,
        request=request,
        data={"location": location.pk, "roster_entries": rosters},
    )
    return recipient


def next_dose_slots(
    *, due: NextDose, record: AdministrationRecord, locations: QuerySet[Location]
) -> QuerySet[Slot]:
    """The free times the person may be booked into for the dose `due`: at these locations'
    scheduled clinics with a vaccine that may be given, from the day it is due."""
    return booking_selectors.slots_for_next_dose(
        locations=locations, products=due.products or {record.product_id}, earliest=due.earliest
    )


@transaction.atomic
def next_dose_book(
    *, record: AdministrationRecord, slot_id: int, locations: QuerySet[Location], by: User, request=None
) -> Appointment:
    """Book the person of `record` for their next dose, in a free time of a clinic at one of
    `locations`, before they leave. The dose and its earliest day are booking's to decide (as for
    any booking); the clinic's admission isn't asked: the person began their series."""
    due = next_dose_due(record.recipient)
    if due is None:
        raise BookingError(_("%(name)s has no dose left to book.") % {"name": record.recipient.full_name})
    if not Slot.objects.filter(pk=slot_id, clinic__location__in=locations).exists():
        raise BookingError(_("Choose a time at one of your clinics."))
    appointment = appointment_book(
        recipient=record.recipient,
        slot_id=slot_id,
        dose_number=due.dose_number,
        by=by,
        request=request,
        check_admission=False,
    )
    audit(
        action="administration.next_dose.booked",
        by=by,
        target=appointment,
        request=request,
        data={"after_record": record.pk, "dose": due.dose_number},
    )
    return appointment
