"""Demo inventory at the demo provider's location: two lots in stock (one expiring soon, part of
it offered to other locations), an allocation for next week and a draft allocation plan for the
week after. Idempotent: what exists already is left as it is."""

from datetime import timedelta

from django.utils import timezone

from cvms.demo import demo_user
from cvms.roles import Role
from enrollment.models import Location
from inventory.models import Allocation, AllocationPlan, Lot, Product, SurplusPosting
from inventory.services.allocations import allocation_create, week_start
from inventory.services.planning import plan_create
from inventory.services.redistribution import surplus_post
from inventory.services.shipments import shipment_record

DEMO_LOCATION = "Wake Community Health — Raleigh"
DEMO_LOTS = [
    # (NDC, lot number, days to expiry, doses)
    ("80631-0105-01", "NVXDEMO01", 120, 500),
    ("80777-0102-01", "SPKDEMO01", 10, 100),
]


def seed(*, stdout) -> None:
    location = Location.objects.filter(name=DEMO_LOCATION).first()
    if location is None:
        stdout.write("Inventory demo skipped: no demo location.")
        return
    today = timezone.localdate()
    provider = demo_user(Role.PROVIDER_ADMIN)
    for ndc, number, days, doses in DEMO_LOTS:
        if Lot.objects.filter(number=number).exists():
            continue
        shipment_record(
            location=location,
            product=Product.objects.get(ndc=ndc),
            source="Demo: state redistribution hub",
            lot_number=number,
            expires_on=today + timedelta(days=days),
            doses_received=doses,
            by=provider,
        )
    novavax = Product.objects.get(ndc="80631-0105-01")
    next_week = week_start(today) + timedelta(weeks=1)
    if not Allocation.objects.filter(location=location, product=novavax, week=next_week).exists():
        allocation_create(
            week=next_week, product=novavax, location=location, doses=300, by=demo_user(Role.STATE_OFFICIAL)
        )
    spikevax = Product.objects.get(ndc="80777-0102-01")
    if not SurplusPosting.objects.filter(location=location).exists():
        surplus_post(
            location=location,
            lot=Lot.objects.get(number="SPKDEMO01"),
            doses=40,
            note="Demo: a clinic was cancelled; these expire before the next one.",
            by=provider,
        )
    later = next_week + timedelta(weeks=1)
    if not AllocationPlan.objects.filter(product=spikevax, week=later).exists():
        plan_create(week=later, product=spikevax, supply=2000, by=demo_user(Role.STATE_OFFICIAL))
    stdout.write(
        f"Demo inventory: 2 lots in stock at {location.name} (40 doses offered to others); 300 doses "
        f"allocated for {next_week}; a draft plan of 2,000 doses for {later}."
    )
