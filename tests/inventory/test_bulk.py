"""Many doses out of stock at once: every ledger line and its balance, or nothing."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.interface import DoseOut, InventoryError, stock_administer_many
from inventory.models import Stock, StockMovement
from tests.factories import LocationFactory
from tests.inventory.factories import LotFactory, stock

pytestmark = pytest.mark.django_db


def test_doses_leave_each_balance_with_one_ledger_line_each():
    location, lot = stock(doses=5)
    other_lot = stock(location=location, lot=LotFactory(), doses=2)[1]
    now = timezone.now()
    doses = [DoseOut(location.pk, lot.pk, now, f"record:{n}") for n in range(3)] + [
        DoseOut(location.pk, other_lot.pk, now)
    ]

    assert stock_administer_many(doses=doses, by=None) == 4

    assert Stock.objects.get(location=location, lot=lot).on_hand == 2
    assert Stock.objects.get(location=location, lot=other_lot).on_hand == 1
    for each in (lot, other_lot):
        ledger = StockMovement.objects.filter(location=location, lot=each).aggregate(total=Sum("quantity"))[
            "total"
        ]
        assert ledger == Stock.objects.get(location=location, lot=each).on_hand


def test_more_doses_than_on_hand_moves_nothing():
    location, lot = stock(doses=1)
    elsewhere = stock(location=LocationFactory(), doses=3)
    now = timezone.now()
    lines_before = StockMovement.objects.count()

    with pytest.raises(InventoryError, match="Only 1 doses"):
        stock_administer_many(
            doses=[DoseOut(elsewhere[0].pk, elsewhere[1].pk, now), *[DoseOut(location.pk, lot.pk, now)] * 2],
            by=None,
        )

    assert StockMovement.objects.count() == lines_before
    assert Stock.objects.get(location=location, lot=lot).on_hand == 1
    assert Stock.objects.get(location=elsewhere[0], lot=elsewhere[1]).on_hand == 3
