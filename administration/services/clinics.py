"""Rules that change clinics: schedule one (its slots made from its opening hours), cancel one."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.services import notifications, reservations
from cvms.audit import audit
from cvms.locking import lock_all, lock_one
from cvms.models import User
from enrollment.models import Location
from inventory.models import Product

MAX_SLOTS_PER_CLINIC = 200


class ClinicError(Exception):
    pass


def _slot_times(
    *, day: date, opens_at: time, closes_at: time, minutes: int
) -> list[tuple[datetime, datetime]]:
    """The slots of a day, in the state's time zone: from opening, each `minutes` long, the last
    one ending by closing time."""
    start = timezone.make_aware(datetime.combine(day, opens_at))
    end = timezone.make_aware(datetime.combine(day, closes_at))
    step = timedelta(minutes=minutes)
    times = []
    while start + step <= end:
        times.append((start, start + step))
        start += step
    return times


@transaction.atomic
def clinic_create(
    *,
    location: Location,
    product: Product,
    day: date,
    opens_at: time,
    closes_at: time,
    slot_minutes: int,
    slot_capacity: int,
    is_public: bool = True,
    organizations=(),
    priority_groups=(),
    notes: str = "",
    by: User,
    request=None,
) -> Clinic:
    """Schedule a clinic and generate its slots from its hours."""
    if day < timezone.localdate():
        raise ClinicError(_("A clinic can't be scheduled in the past."))
    if closes_at <= opens_at:
        raise ClinicError(_("The closing time must be after the opening time."))
    times = _slot_times(day=day, opens_at=opens_at, closes_at=closes_at, minutes=slot_minutes)
    if not times:
        raise ClinicError(_("The opening hours are shorter than one slot."))
    if len(times) > MAX_SLOTS_PER_CLINIC:
        raise ClinicError(_("A clinic can have at most %(n)s slots.") % {"n": MAX_SLOTS_PER_CLINIC})
    if not is_public and not organizations and not priority_groups:
        raise ClinicError(
            _(
                "A clinic that isn't public must be limited to some organizations' invited people "
                "or some priority groups."
            )
        )
    clinic = Clinic.objects.create(
        location=location,
        product=product,
        date=day,
        opens_at=opens_at,
        closes_at=closes_at,
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
        is_public=is_public,
        notes=notes,
        created_by=by,
    )
    if not is_public:
        clinic.organizations.set(organizations)
        clinic.priority_groups.set(priority_groups)
    Slot.objects.bulk_create(
        [Slot(clinic=clinic, starts_at=start, ends_at=end, capacity=slot_capacity) for start, end in times]
    )
    reservations.reservation_ensure(location_id=location.pk, product_id=product.pk)
    audit(
        action="administration.clinic.created",
        by=by,
        target=clinic,
        request=request,
        data={"location": location.pk, "product": product.pk, "date": day.isoformat(), "slots": len(times)},
    )
    return clinic


@transaction.atomic
def clinic_cancel(*, clinic: Clinic, by: User, reason: str = "", request=None) -> int:
    """Cancel a clinic: every booked appointment is cancelled and its person told by e-mail.
    Returns how many people were told."""
    clinic = lock_one(Clinic.objects, pk=clinic.pk)
    if clinic.status == ClinicStatus.CANCELLED:
        return 0
    now = timezone.now()
    clinic.status = ClinicStatus.CANCELLED
    clinic.cancelled_at = now
    clinic.save(update_fields=["status", "cancelled_at"])
    # The clinic's row first, then its appointments' rows alone (in primary-key order): a booking
    # takes the clinic's row first too, so it either lands before this (and is cancelled here) or
    # sees the clinic cancelled; a dose being recorded holds its person's row, which isn't asked
    # for here.
    appointments = lock_all(
        Appointment.objects.filter(slot__clinic=clinic, status=AppointmentStatus.BOOKED).select_related(
            "recipient", "slot"
        )
    )
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(
        status=AppointmentStatus.CANCELLED, changed_at=now
    )
    Slot.objects.filter(clinic=clinic).update(booked=0)
    reservations.doses_give_back(Counter({(clinic.location_id, clinic.product_id): len(appointments)}))
    for appointment in appointments:
        notifications.appointment_email(appointment, "clinic_cancelled", clinic=clinic, reason=reason)
    audit(
        action="administration.clinic.cancelled",
        by=by,
        target=clinic,
        request=request,
        data={"appointments_cancelled": len(appointments), "reason": reason},
    )
    return len(appointments)
