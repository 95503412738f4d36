"""Stock under concurrent requests, with real threads against PostgreSQL (acceptance 2)."""

import threading

import pytest

from inventory import selectors
from inventory.enums import MovementKind
from inventory.models import StockMovement
from inventory.services.errors import InsufficientStock
from inventory.services.ledger import stock_administer
from inventory.services.transfers import transfer_create
from tests.concurrency import run_many
from tests.factories import LocationFactory
from tests.inventory.factories import stock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wake_county"),
]


def test_twenty_threads_taking_one_dose_from_ten_leave_zero_and_ten_refusals():
    location, lot = stock(doses=10)

    results = run_many(20, lambda: stock_administer(location=location, lot=lot, by=None))

    refusals = [r for r in results if isinstance(r, InsufficientStock)]
    taken = [r for r in results if isinstance(r, StockMovement)]
    assert (len(taken), len(refusals)) == (10, 10), results
    assert StockMovement.objects.filter(location=location, kind=MovementKind.ADMINISTERED).count() == 10
    assert selectors.stock_on_hand(location=location, lot=lot) == 0
    assert selectors.ledger_total(location=location, lot=lot) == 0


def test_opposite_transfers_at_once_neither_deadlock_nor_lose_doses():
    """A → B and B → A of the same lot at the same moment: the rows are locked in one order,
    so both complete (or are refused cleanly) and the total is unchanged."""
    here, lot = stock(doses=50)
    there = LocationFactory(organization=here.organization)
    stock(location=there, lot=lot, doses=50)

    def move(index: int):
        source, target = (here, there) if index % 2 else (there, here)
        return transfer_create(from_location=source, to_location=target, lot=lot, doses=1, by=None)

    counter = iter(range(1000))
    lock = threading.Lock()

    def work():
        with lock:
            index = next(counter)
        return move(index)

    results = run_many(10, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert selectors.stock_on_hand(location=here) + selectors.stock_on_hand(location=there) == 100
