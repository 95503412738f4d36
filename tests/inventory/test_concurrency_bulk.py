"""Many doses out of stock at once, from two requests at the same moment: the balances' locks
make the second see what the first took (tests/test_locks.py)."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from inventory import selectors
from inventory.services import bulk
from inventory.services.errors import InsufficientStock
from tests.concurrency import locks_disabled, outcomes, pause_after, run_many
from tests.inventory.factories import stock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wake_county"),
]


def _six_doses_twice(monkeypatch):
    location, lot = stock(doses=10)
    pause_after(monkeypatch, bulk, "lock_all", 0.3)
    doses = [bulk.DoseOut(location.pk, lot.pk, timezone.now())] * 6
    return location, lot, lambda: bulk.stock_administer_many(doses=doses, by=None)


def test_two_batches_at_once_take_turns_on_the_balance(monkeypatch):
    location, lot, work = _six_doses_twice(monkeypatch)

    results = run_many(2, work)

    assert outcomes(results) == {"int": 1, "InsufficientStock": 1}, results
    assert isinstance(next(r for r in results if not isinstance(r, int)), InsufficientStock)
    assert selectors.stock_on_hand(location=location, lot=lot) == 4


def test_without_the_lock_two_batches_both_pass_the_check_and_the_database_refuses_one(monkeypatch):
    """The control of the balances' lock: both read ten on hand; the CHECK constraint stops the
    second (a server error) instead of the service telling how many doses are left."""
    location, lot, work = _six_doses_twice(monkeypatch)

    with locks_disabled():
        results = run_many(2, work)

    assert outcomes(results) == {"int": 1, "IntegrityError": 1}, results
    assert isinstance(next(r for r in results if not isinstance(r, int)), IntegrityError)
    assert selectors.stock_on_hand(location=location, lot=lot) == 4
