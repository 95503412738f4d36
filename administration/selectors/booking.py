"""Reads for booking: the clinics a person may book and their free times, the person's
appointments and the dose they may book next, the reminders due, and the doses not yet promised
to an appointment (for booking, and for inventory, which asks how many are booked ahead)."""

from datetime import date, datetime, timedelta

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from administration.clinical import DoseGiven, SeriesRule, add_months, evaluate
from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, DoseReservation, Slot
from administration.selectors.clinical import doses_given, evaluations_of, series_rules
from enrollment.interface import counties_for_zip
from enrollment.models import Location
from inventory.enums import SHIPMENT_IN_FLIGHT
from inventory.models import Product, Shipment, Stock
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


def _sum_of(queryset: QuerySet, field: str) -> Coalesce:
    """The sum of `field` over `queryset` (of one location, or correlated with the outer clinic's)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("location_id").annotate(total=Sum(field)).values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def usable_supply(*, location_id, product_id, on: date | None = None):
    """The doses of the product usable at the location, as one SQL expression (for the booking's
    conditional UPDATE): on hand in lots not expired on `on` (default today), plus shipments in
    flight (expected or on their way), as inventory's `stock_usable` and `doses_expected` count."""
    today = on or timezone.localdate()
    on_hand = _sum_of(
        Stock.objects.filter(location_id=location_id, lot__product_id=product_id, lot__expires_on__gte=today),
        "on_hand",
    )
    expected = _sum_of(
        Shipment.objects.filter(
            location_id=location_id, product_id=product_id, status__in=SHIPMENT_IN_FLIGHT
        ),
        "doses_expected",
    )
    return on_hand + expected


def _reserved(*, location_id, product_id) -> Coalesce:
    """The location's counter of doses reserved for the product (services.reservations)."""
    return Coalesce(
        Subquery(
            DoseReservation.objects.filter(location_id=location_id, product_id=product_id).values("reserved")[
                :1
            ],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def doses_available(*, location: Location, product: Product, on: date | None = None) -> int:
    """Doses of `product` usable at `location` (on hand in unexpired lots, plus shipments still
    expected) not yet promised to a booked appointment: the places clinics may still offer. One
    query: the supply less the location's counter of doses reserved."""
    where = {"location_id": location.pk, "product_id": product.pk}
    left = (
        Location.objects.filter(pk=location.pk)
        .annotate(left=usable_supply(**where, on=on) - _reserved(**where))
        .values_list("left", flat=True)
        .first()
    )
    return max(left or 0, 0)


# --- A person's clinics and appointments ----------------------------------------------------


def _doses_left_per_clinic(today: date):
    """`doses_available` as SQL, per clinic (its location and product): its supply less its
    location's counter of doses reserved."""
    where = {"location_id": OuterRef("location_id"), "product_id": OuterRef("product_id")}
    return usable_supply(**where, on=today) - _reserved(**where)


def clinics_open_for_booking(
    *,
    county_id: str = "",
    zip_code: str = "",
    on: date | None = None,
    product_id: int | None = None,
    products: frozenset[int] | None = None,
    from_day: date | None = None,
) -> QuerySet[Clinic]:
    """Scheduled clinics from today (or on `on`) with free places and doses left to offer, in a
    county or the counties of a ZIP code, each annotated with `free` (places not booked) and
    `doses_left`. `products` and `from_day` narrow them to what the person's next dose may be
    (the forecaster's products, from the day it is due). Whether a person may book a limited
    clinic is checked by `clinic_admits`."""
    now = timezone.now()
    today = timezone.localdate()
    clinics = Clinic.objects.filter(status=ClinicStatus.SCHEDULED, date__gte=max(today, from_day or today))
    if on is not None:
        clinics = clinics.filter(date=on)
    if county_id:
        clinics = clinics.filter(location__county_id=county_id)
    elif zip_code:
        clinics = clinics.filter(location__county_id__in=counties_for_zip(zip_code))
    if product_id is not None:
        clinics = clinics.filter(product_id=product_id)
    if products:
        clinics = clinics.filter(product_id__in=products)
    return (
        clinics.select_related("location__county", "product")
        .annotate(
            free=Coalesce(Sum("slots__capacity", filter=Q(slots__starts_at__gt=now)), 0)
            - Coalesce(Sum("slots__booked", filter=Q(slots__starts_at__gt=now)), 0),
            doses_left=_doses_left_per_clinic(today),
        )
        .filter(free__gt=0, doses_left__gt=0)
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


def _booked_as_doses(
    recipient: Recipient, *, excluding: Appointment | None = None, before_dose: int | None = None
) -> list[DoseGiven]:
    """The person's booked appointments, as the doses they would be on their day (the vaccine
    the clinic offers), so the forecaster can say what may be booked after them (only those
    for the doses before `before_dose`, when given)."""
    appointments = Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED)
    if before_dose is not None:
        appointments = appointments.filter(dose_number__lt=before_dose)
    appointments = (
        appointments.exclude(pk=excluding.pk if excluding else None)
        .select_related("slot__clinic")
        .order_by("slot__starts_at")
    )
    return [
        DoseGiven(
            given_on=timezone.localtime(appointment.slot.starts_at).date(),
            product_id=appointment.slot.clinic.product_id,
            dose_number=appointment.dose_number,
            ref=("appointment", appointment.pk),
        )
        for appointment in appointments
    ]


def series_with_bookings(
    recipient: Recipient,
    *,
    excluding: Appointment | None = None,
    start_with: Product | None = None,
    before_dose: int | None = None,
):
    """The evaluator's answer for the doses given and the appointments booked (as if kept)."""
    return evaluate(
        date_of_birth=recipient.date_of_birth,
        doses=doses_given(recipient)
        + _booked_as_doses(recipient, excluding=excluding, before_dose=before_dose),
        rules=series_rules(),
        today=timezone.localdate(),
        start_with=start_with.pk if start_with is not None else None,
    )


def first_dose(recipient: Recipient) -> dict | None:
    """The first dose of the series the next is counted from: the first valid dose on record,
    else a booked first-dose appointment. {"on": date, "product": Product id, "given": bool}.
    A refusal or an appointment missed is not a dose."""
    evaluation = series_with_bookings(recipient)
    first = next((dose for dose in evaluation.doses if dose.series_dose == 1), None)
    if first is None:
        return None
    return {
        "on": first.dose.given_on,
        "product": first.dose.product_id,
        "given": not (isinstance(first.dose.ref, tuple) and first.dose.ref[0] == "appointment"),
    }


def rule_for(product: Product) -> SeriesRule | None:
    """`product`'s series rules, as the evaluator reads them."""
    return series_rules().get(product.pk)


def age_limits(recipient: Recipient, product: Product) -> tuple[date | None, date | None]:
    """The first day the person is old enough for `product`, and the first day they are too
    old for it (None: no limit), from its series rules."""
    rule = rule_for(product)
    if rule is None:
        return None, None
    old_enough = add_months(recipient.date_of_birth, rule.min_age_months) if rule.min_age_months else None
    too_old = add_months(recipient.date_of_birth, rule.max_age_months) if rule.max_age_months else None
    return old_enough, too_old


def next_dose(
    recipient: Recipient,
    *,
    excluding: Appointment | None = None,
    start_with: Product | None = None,
    before_dose: int | None = None,
) -> dict | None:
    """The dose the person may book next, from the forecaster over their doses and booked
    appointments: {"dose_number", "earliest", "product" (the series' Product, None for a first
    dose: any), "products" (the ids that may be given; empty: any), "past_due"}. None when
    nothing is left to book."""
    evaluation = series_with_bookings(
        recipient, excluding=excluding, start_with=start_with, before_dose=before_dose
    )
    forecast = evaluation.forecast
    if not forecast.due:
        return None
    product = None
    if evaluation.series_product_id is not None:
        product = Product.objects.filter(pk=evaluation.series_product_id).first()
    return {
        "dose_number": forecast.dose_number,
        "earliest": max(forecast.earliest or timezone.localdate(), timezone.localdate()),
        "product": product,
        "products": forecast.products,
        "past_due": forecast.past_due,
        "is_booster": forecast.is_booster,
    }


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
    """First doses given at an appointment (vaccinated) whose person, says the forecaster, may
    have the next dose of their series within a week and has no second-dose appointment yet; not
    reminded before. Each appointment carries `next_due`, the forecaster's earliest day."""
    appointments = list(
        Appointment.objects.filter(
            status=AppointmentStatus.VACCINATED,
            dose_number=1,
            next_dose_reminder_sent_at__isnull=True,
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
    evaluations = evaluations_of([a.recipient for a in appointments], today=today)
    due = []
    for appointment in appointments:
        forecast = evaluations[appointment.recipient_id].forecast
        if forecast.dose_number == 2 and forecast.earliest - timedelta(days=7) <= today:
            appointment.next_due = forecast.earliest
            due.append(appointment)
    return due
