"""Reads of clinics for the provider pages: an organization's clinics with their places counted,
a clinic's bookings, today's clinics to record from, and the warning when a location's clinics
offer more places than it has doses."""

from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors.booking import doses_available
from enrollment.models import Location


def clinics_for(*, locations: QuerySet[Location], include_past: bool = False) -> QuerySet[Clinic]:
    """The clinics of these locations with their places and bookings counted (one query)."""
    clinics = Clinic.objects.filter(location__in=locations)
    if not include_past:
        clinics = clinics.filter(date__gte=timezone.localdate())
    return (
        clinics.select_related("location", "product")
        .annotate(
            places=Coalesce(Sum("slots__capacity"), 0),
            booked=Coalesce(Sum("slots__booked"), 0),
        )
        .order_by("date", "opens_at", "id")
    )


def clinic_appointments(*, clinic: Clinic) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(slot__clinic=clinic)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("recipient", "slot")
        .order_by("slot__starts_at", "recipient__last_name", "recipient__first_name", "id")
    )


def places_warning(*, clinic: Clinic) -> dict | None:
    """When the free places of this location's coming clinics with this product outrun the
    doses available: {"places", "doses"}; otherwise None."""
    today = timezone.localdate()
    places = (
        Slot.objects.filter(
            clinic__location_id=clinic.location_id,
            clinic__product_id=clinic.product_id,
            clinic__status=ClinicStatus.SCHEDULED,
            starts_at__date__gte=today,
        ).aggregate(free=Coalesce(Sum("capacity"), 0) - Coalesce(Sum("booked"), 0))["free"]
        or 0
    )
    doses = doses_available(location=clinic.location, product=clinic.product, on=today)
    if places > doses:
        return {"places": places, "doses": doses}
    return None


def clinics_today(*, locations: QuerySet[Location], on: date) -> QuerySet[Clinic]:
    return (
        Clinic.objects.filter(date=on, location__in=locations)
        .select_related("location", "product")
        .order_by("opens_at", "id")
    )


def slot_counts(*, clinic: Clinic) -> dict:
    return clinic.slots.aggregate(
        places=Coalesce(Sum("capacity"), 0), booked=Coalesce(Sum("booked"), 0), slots=Count("id")
    )
