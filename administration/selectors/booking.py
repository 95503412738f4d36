"""Reads for booking: the clinics a person may book and their free times, the person's
appointments and the dose they may book next, the reminders due, and the doses not yet promised
to an appointment (for booking, and for inventory, which asks how many are booked ahead)."""

from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors.records import doses_for
from enrollment.interface import counties_for_zip
from enrollment.models import Location
from inventory.interface import doses_expected, stock_usable
from inventory.models import Product
from recipients.models import Recipient

# --- Stock and places ------------------------------------------------------------------------


def booked_ahead(*, location: Location, product: Product, since: date) -> int:
    """Active appointments at `location` for `product` from `since` on (the inventory hook)."""
    return Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        slot__clinic__location=location,
        slot__clinic__product=product,
        slot__starts_at__date__gte=since,
    ).count()


def doses_available(*, location: Location, product: Product, on: date | None = None) -> int:
    """Doses of `product` usable at `location` (on hand in unexpired lots, plus shipments still
    expected) not yet promised to a booked appointment: the places clinics may still offer."""
    today = on or timezone.localdate()
    supply = stock_usable(location=location, product=product, on=today) + doses_expected(
        location=location, product=product
    )
    return max(supply - booked_ahead(location=location, product=product, since=today), 0)


# --- A person's clinics and appointments ----------------------------------------------------


def clinics_open_for_booking(
    *, county_id: str = "", zip_code: str = "", on: date | None = None, product_id: int | None = None
) -> QuerySet[Clinic]:
    """Scheduled clinics from today (or on `on`) with free places, in a county or the counties
    of a ZIP code, each annotated with `free` (places not booked). Whether a person may book a
    limited clinic is checked by `clinic_admits`; the stock cap by `doses_available`."""
    now = timezone.now()
    clinics = Clinic.objects.filter(status=ClinicStatus.SCHEDULED, date__gte=timezone.localdate())
    if on is not None:
        clinics = clinics.filter(date=on)
    if county_id:
        clinics = clinics.filter(location__county_id=county_id)
    elif zip_code:
        clinics = clinics.filter(location__county_id__in=counties_for_zip(zip_code))
    if product_id is not None:
        clinics = clinics.filter(product_id=product_id)
    return (
        clinics.select_related("location__county", "product")
        .annotate(
            free=Coalesce(Sum("slots__capacity", filter=Q(slots__starts_at__gt=now)), 0)
            - Coalesce(Sum("slots__booked", filter=Q(slots__starts_at__gt=now)), 0)
        )
        .filter(free__gt=0)
        .order_by("date", "opens_at", "id")
    )


def clinic_admits(*, clinic: Clinic, recipient: Recipient) -> bool:
    """May this person book this clinic? A public clinic: anyone whose priority group is open.
    A limited clinic: the people invited by one of its organizations, and the people of its
    priority groups once their group is open."""
    if clinic.is_public:
        return recipient.is_eligible
    organizations = set(clinic.organizations.values_list("pk", flat=True))
    if organizations & set(recipient.invited_by.values_list("pk", flat=True)):
        return True
    groups = set(clinic.priority_groups.values_list("pk", flat=True))
    return recipient.priority_group_id in groups and recipient.is_eligible


def slots_for_booking(*, clinic: Clinic) -> QuerySet[Slot]:
    return Slot.objects.filter(clinic=clinic, starts_at__gt=timezone.now()).order_by("starts_at", "id")


# The free times offered to a vaccinator booking a person's next dose: the first few are enough.
NEXT_DOSE_SLOTS = 40


def slots_for_next_dose(*, locations: QuerySet[Location], products, earliest: date) -> QuerySet[Slot]:
    """Free times (from now, and from `earliest`) at these locations' scheduled clinics with one
    of `products` (ids), soonest first: the first `NEXT_DOSE_SLOTS` of them (one query)."""
    start = max(timezone.make_aware(datetime.combine(earliest, datetime.min.time())), timezone.now())
    return (
        Slot.objects.filter(
            clinic__location__in=locations,
            clinic__product__in=list(products),
            clinic__status=ClinicStatus.SCHEDULED,
            starts_at__gte=start,
            booked__lt=F("capacity"),
        )
        .select_related("clinic__location")
        .order_by("starts_at", "id")[:NEXT_DOSE_SLOTS]
    )


def appointments_of(recipient: Recipient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(recipient=recipient)
        .select_related("slot__clinic__location__county", "slot__clinic__product")
        .order_by("-slot__starts_at", "-id")
    )


def active_appointments(recipient: Recipient) -> QuerySet[Appointment]:
    return appointments_of(recipient).filter(status=AppointmentStatus.BOOKED).order_by("slot__starts_at")


def first_dose(recipient: Recipient) -> dict | None:
    """The first dose the second is counted from: a dose on record, else an attended or
    booked first-dose appointment. {"on": date, "product": Product id, "given": bool}."""
    doses = [d for d in doses_for(recipient) if d.dose_number == 1]
    if doses:
        return {"on": doses[0].given_on, "product": doses[0].product_id, "given": True}
    appointment = (
        Appointment.objects.filter(
            recipient=recipient,
            dose_number=1,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED],
        )
        .select_related("slot__clinic")
        .order_by("-status", "slot__starts_at")  # "booked" sorts after "attended"
        .first()
    )
    if appointment is None:
        return None
    return {
        "on": timezone.localtime(appointment.slot.starts_at).date(),
        "product": appointment.slot.clinic.product_id,
        "given": appointment.status == AppointmentStatus.ATTENDED,
    }


def next_dose(recipient: Recipient) -> dict | None:
    """The dose the person may book next, and from when: {"dose_number", "earliest", "product"}
    (product None: any). None when nothing is left to book."""
    doses = doses_for(recipient)
    booked = set(
        Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED).values_list(
            "dose_number", flat=True
        )
    )
    attended = set(
        Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.ATTENDED).values_list(
            "dose_number", flat=True
        )
    )
    done = {d.dose_number for d in doses} | attended
    if 1 not in done and 1 not in booked:
        return {"dose_number": 1, "earliest": timezone.localdate(), "product": None}
    first = first_dose(recipient)
    if first is None:
        return None
    product = Product.objects.filter(pk=first["product"]).first()
    if product is None or product.series_doses < 2 or 2 in done or 2 in booked:
        return None
    earliest = max(first["on"] + timedelta(days=product.min_interval_days or 0), timezone.localdate())
    return {"dose_number": 2, "earliest": earliest, "product": product}


# --- Reminders -------------------------------------------------------------------------------


def appointments_due_reminder(*, day: date) -> QuerySet[Appointment]:
    """Active appointments on `day` (state time) not reminded yet."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + timedelta(days=1),
    ).select_related("recipient", "slot__clinic__location", "slot__clinic__product")


def first_doses_due_next_dose_reminder(*, today: date) -> list[Appointment]:
    """First doses given at an appointment, of two-dose products, whose second dose may be booked
    within a week and which have no second-dose appointment yet; not reminded before."""
    appointments = (
        Appointment.objects.filter(
            status=AppointmentStatus.VACCINATED,
            dose_number=1,
            next_dose_reminder_sent_at__isnull=True,
            slot__clinic__product__series_doses__gte=2,
        )
        .exclude(
            Exists(
                Appointment.objects.filter(
                    recipient_id=OuterRef("recipient_id"), dose_number=2, status=AppointmentStatus.BOOKED
                )
            )
        )
        .select_related("recipient", "slot__clinic__product")
    )
    return [
        a
        for a in appointments
        if timezone.localtime(a.slot.starts_at).date()
        + timedelta(days=(a.slot.clinic.product.min_interval_days or 0) - 7)
        <= today
    ]
