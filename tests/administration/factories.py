"""Clinics made the way providers make them (through the service, which generates the slots),
at a location holding stock of the clinic's product."""

from datetime import time, timedelta

from django.utils import timezone

from administration import services
from cvms.roles import Role
from tests.factories import LocationFactory, member
from tests.inventory.factories import LotFactory, stock


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
