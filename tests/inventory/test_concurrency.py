"""Stock under concurrent requests, with real threads against PostgreSQL (acceptance 2)."""

import threading

import pytest
from django.utils import timezone

from cvms.models import AuditEvent
from inventory import selectors
from inventory.enums import MovementKind
from inventory.models import StockMovement
from inventory.services.errors import InsufficientStock
from inventory.services.ledger import stock_administer
from inventory.services.transfers import transfer_create
from tests.concurrency import locks_disabled, run_many, run_together
from tests.factories import LocationFactory
from tests.inventory.factories import ProductFactory, stock

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


# --- Redistribution (issue 15) -----------------------------------------------------------------


def _racing_requests(count: int, doses: int):
    """A has 100 doses and posts 10; `count` other locations each request `doses` of them."""
    from inventory.services.redistribution import redistribution_request, surplus_post

    a, lot = stock(doses=100)
    posting = surplus_post(location=a, lot=lot, doses=10, by=None)
    requests = [
        redistribution_request(posting=posting, location=LocationFactory(), doses=doses, by=None)
        for _n in range(count)
    ]
    return a, lot, requests


def _moved_out(location, lot) -> int:
    return -sum(
        StockMovement.objects.filter(
            location=location, lot=lot, kind=MovementKind.TRANSFERRED_OUT
        ).values_list("quantity", flat=True)
    )


def test_two_approvals_of_the_same_posted_doses_move_no_more_than_posted():
    """Two requests for 8 of the 10 posted doses, approved at the same moment: one moves, the
    other is refused; A never goes below what it keeps."""
    from inventory.services.redistribution import redistribution_approve

    a, lot, requests = _racing_requests(2, 8)

    results = run_together(
        [lambda asked=asked: redistribution_approve(asked=asked, by=None) for asked in requests]
    )

    assert sorted(type(r).__name__ for r in results) == ["InventoryError", "RedistributionRequest"], results
    assert _moved_out(a, lot) == 8
    assert selectors.stock_on_hand(location=a, lot=lot) == 92
    assert selectors.ledger_total(location=a, lot=lot) == 92


def test_race_on_posted_doses_happens_if_we_disable_locks(monkeypatch):
    """The control: without the posting's lock, approvals of requests for the same doses each
    read the doses left before the others commit, and together move more than was posted.
    This test exists to show the harness can catch the missing lock."""
    from inventory.services.redistribution import redistribution_approve

    a, lot, requests = _racing_requests(8, 5)

    with locks_disabled(monkeypatch):
        results = run_together(
            [lambda asked=asked: redistribution_approve(asked=asked, by=None) for asked in requests]
        )

    moved = _moved_out(a, lot)
    assert moved > 10, (moved, results)


# --- Allocation corrections and plans (issue 15) -----------------------------------------------


def _cancel_twice():
    from inventory.services.allocations import allocation_cancel, allocation_create

    allocation = allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=LocationFactory(), doses=10, by=None
    )
    return run_together([lambda: allocation_cancel(allocation=allocation, reason="Wrong", by=None)] * 2)


def test_an_allocation_cancelled_twice_at_once_is_cancelled_once():
    results = _cancel_twice()

    assert sorted(type(r).__name__ for r in results) == ["Allocation", "InventoryError"], results
    assert AuditEvent.objects.filter(action="inventory.allocation.cancelled").count() == 1


def test_without_the_shipments_lock_an_allocation_is_cancelled_twice(monkeypatch):
    with locks_disabled(monkeypatch):
        results = _cancel_twice()

    assert [type(r).__name__ for r in results] == ["Allocation", "Allocation"], results
    assert AuditEvent.objects.filter(action="inventory.allocation.cancelled").count() == 2


def _decline_twice():
    from tests.inventory.factories import offer

    line = offer(location=LocationFactory())
    from inventory.services.planning import offer_respond

    return run_together([lambda: offer_respond(line=line, doses=0, by=None)] * 2)


def test_an_offer_answered_twice_at_once_is_answered_once():
    results = _decline_twice()

    assert sorted(type(r).__name__ for r in results) == ["AllocationPlanLine", "PlanError"], results
    assert AuditEvent.objects.filter(action="inventory.plan.offer_answered").count() == 1


def test_without_the_plans_lock_an_offer_is_answered_twice(monkeypatch):
    with locks_disabled(monkeypatch):
        results = _decline_twice()

    assert [type(r).__name__ for r in results] == ["AllocationPlanLine", "AllocationPlanLine"], results
    assert AuditEvent.objects.filter(action="inventory.plan.offer_answered").count() == 2
