"""Factories of people, clinics and appointments.

`clinic` makes a clinic the way providers do (through the service, which generates the slots);
`clinic_with_stock` and `appointment_at` make them directly for the dose-record tests (the
recipients and booking services have their own tests)."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from administration.models import Appointment, Clinic, Slot
from administration.services import clinics as services
from cvms.roles import Role
from recipients.models import Recipient
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import LotFactory, stock


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    user = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"Ana{n}")
    last_name = "López"
    date_of_birth = date(1950, 3, 4)
    sex = "F"
    races = ["2106-3"]
    ethnicity = "2135-2"
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "person@example.org")
    phone = "9195551212"
    street = "12 Oak St"
    city = "Raleigh"
    state = "NC"
    zip_code = "27601"
    county_id = "37183"
    source = "self"


def clinic_with_stock(*, organization=None, doses: int = 10, expires_on=None):
    """A clinic today at a location of `organization` with `doses` of one lot on hand."""
    location = LocationFactory(**({"organization": organization} if organization else {}))
    lot = LotFactory(**({"expires_on": expires_on} if expires_on else {}))
    stock(location=location, lot=lot, doses=doses)
    clinic = Clinic.objects.create(
        location=location,
        product=lot.product,
        date=timezone.localdate(),
        opens_at=time(8),
        closes_at=time(18),
    )
    return clinic, lot


def appointment_at(clinic: Clinic, *, recipient=None, dose_number: int = 1) -> Appointment:
    starts = timezone.make_aware(datetime.combine(clinic.date, time(9))) + timedelta(
        minutes=15 * Slot.objects.filter(clinic=clinic).count()
    )
    slot = Slot.objects.create(
        clinic=clinic, starts_at=starts, ends_at=starts + timedelta(minutes=15), capacity=5, booked=1
    )
    return Appointment.objects.create(
        recipient=recipient or RecipientFactory(),
        slot=slot,
        dose_number=dose_number,
        confirmation_code=f"C{Appointment.objects.count():07d}",
    )


def clinic(
    *,
    location=None,
    product=None,
    days_ahead: int = 3,
    opens_at: time = time(9, 0),
    closes_at: time = time(10, 0),
    slot_minutes: int = 30,
    slot_capacity: int = 5,
    doses: int = 100,
    is_public: bool = True,
    organizations=(),
    priority_groups=(),
):
    """A scheduled clinic `days_ahead` from today with `doses` of its product on hand."""
    location = location or LocationFactory()
    lot = LotFactory(product=product) if product is not None else LotFactory()
    if doses:
        stock(location=location, lot=lot, doses=doses)
    by = member(location.organization, Role.PROVIDER_ADMIN)
    return services.clinic_create(
        location=location,
        product=lot.product,
        day=timezone.localdate() + timedelta(days=days_ahead),
        opens_at=opens_at,
        closes_at=closes_at,
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
        is_public=is_public,
        organizations=organizations,
        priority_groups=priority_groups,
        by=by,
    )


def works_at(user, *locations) -> None:
    """Assign a vaccinator to locations (as a provider administrator does on the people page):
    a vaccinator records only where assigned (`enrollment.selectors.locations_for`)."""
    from guardian.shortcuts import assign_perm

    for location in locations:
        assign_perm("enrollment.work_at_location", user, location)
