from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from enrollment.models import Location
from inventory import selectors
from inventory.models import Allocation, AllocationPlan, Lot, StockMovement, SurplusPosting
from inventory.services.allocations import week_start

pytestmark = pytest.mark.django_db


def test_demo_inventory_is_seeded_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    # The inventory demo's own lots and next week's allocation (the dashboards' demo adds weeks of
    # shipments, doses and allocations at the same location, with lots of its own).
    location = Location.objects.get(name="Wake Community Health — Raleigh")
    lots = Lot.objects.filter(number__in=["NVXDEMO01", "SPKDEMO01"])
    assert sum(selectors.stock_on_hand(location=location, lot=lot) for lot in lots) == 600
    assert (
        StockMovement.objects.filter(location=location, lot__in=lots).aggregate(n=Sum("quantity"))["n"] == 600
    )
    next_week = week_start(timezone.localdate()) + timedelta(weeks=1)
    assert Allocation.objects.filter(location=location, week=next_week).count() == 1
    assert selectors.doses_expected(location=location) == 300
    assert SurplusPosting.objects.get(location=location).doses == 40
    assert AllocationPlan.objects.get().supply == 2000
