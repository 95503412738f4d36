from io import StringIO

import pytest
from django.core.management import call_command

from enrollment.models import Location
from inventory import selectors
from inventory.models import Allocation, AllocationPlan, SurplusPosting

pytestmark = pytest.mark.django_db


def test_demo_inventory_is_seeded_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    location = Location.objects.get(name="Wake Community Health — Raleigh")
    assert selectors.stock_on_hand(location=location) == 600
    assert selectors.ledger_total(location=location) == 600
    assert Allocation.objects.filter(location=location).count() == 1
    assert selectors.doses_expected(location=location) == 300
    assert SurplusPosting.objects.get(location=location).doses == 40
    assert AllocationPlan.objects.get().supply == 2000
