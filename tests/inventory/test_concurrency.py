"""Stock under concurrent requests, with real threads against PostgreSQL: each lock's test, and
its control without the lock (tests/test_locks.py)."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cvms.models import AuditEvent
from cvms.roles import Role
from inventory import selectors
from inventory.enums import MovementKind, StorageClass, WasteReason
from inventory.models import StockMovement
from inventory.services import counts, ledger, shipments, transfers
from inventory.services.allocations import allocation_create
from inventory.services.errors import InsufficientStock
from inventory.services.ledger import stock_administer
from inventory.services.transfers import transfer_create
from tests.concurrency import locks_disabled, outcomes, pause_after, pause_before, run_many, run_together
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import ProductFactory, ShipmentFactory, TransferFactory, stock

TODAY = timezone.localdate()

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wake_county"),
]


def _waste_one(location, lot):
    """One dose out through the ledger's `move` (a broken vial), in a transaction of its own."""
    with transaction.atomic():
        return ledger.move(
            location=location,
            lot=lot,
            kind=MovementKind.WASTED,
            quantity=-1,
            reason=WasteReason.BROKEN_VIAL,
            by=None,
        )


def test_twenty_threads_moving_one_dose_out_of_ten_leave_zero_and_ten_refusals():
    location, lot = stock(doses=10)

    results = run_many(20, lambda: _waste_one(location, lot))

    refusals = [r for r in results if isinstance(r, InsufficientStock)]
    taken = [r for r in results if isinstance(r, StockMovement)]
    assert (len(taken), len(refusals)) == (10, 10), results
    assert selectors.stock_on_hand(location=location, lot=lot) == 0
    assert selectors.ledger_total(location=location, lot=lot) == 0


def test_twenty_threads_taking_one_dose_from_ten_leave_zero_and_ten_refusals():
    """A dose given takes the balance by a conditional UPDATE (no lock read): the same result."""
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


def _allocate_twice(monkeypatch):
    location = LocationFactory(refrigerated_capacity=100)
    product = ProductFactory(storage_class=StorageClass.REFRIGERATED)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    # Both have read what the location's fridges already hold; nothing is allocated yet.
    pause_after(monkeypatch, selectors, "storage_committed")
    return location, [
        (
            lambda n=n, o=o: allocation_create(
                week=TODAY + timedelta(weeks=n), product=product, location=location, doses=60, by=o
            )
        )
        for n, o in enumerate(officials)
    ]


def test_two_officials_allocating_to_one_location_at_once_stay_within_its_capacity(monkeypatch):
    location, works = _allocate_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Allocation": 1, "OverCapacity": 1}, results
    assert selectors.doses_expected(location=location) == 60


def test_without_the_lock_two_allocations_overfill_the_location(monkeypatch):
    """The control of the location's lock when allocating."""
    location, works = _allocate_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Allocation": 2}, results
    assert selectors.doses_expected(location=location) == 120  # in fridges that hold 100


def test_without_the_lock_threads_taking_the_last_doses_hit_the_databases_check(monkeypatch):
    """The control of the balance's lock (the ledger's `move`): every thread reads ten on hand;
    the ones past the tenth are stopped by the CHECK constraint (a server error for the person)
    instead of being told how many doses are left."""
    location, lot = stock(doses=10)
    pause_after(monkeypatch, ledger, "lock_one_or_none", 0.3)

    with locks_disabled():
        results = run_many(12, lambda: _waste_one(location, lot))

    assert sum(isinstance(r, StockMovement) for r in results) == 10, results
    assert sum(isinstance(r, IntegrityError) for r in results) == 2, results
    assert selectors.stock_on_hand(location=location, lot=lot) == 0


def test_without_the_locks_opposite_transfers_deadlock(monkeypatch):
    """The control of the two balances locked in one order when transferring."""
    here, lot = stock(doses=50)
    there = LocationFactory(organization=here.organization)
    stock(location=there, lot=lot, doses=50)
    pause_before(monkeypatch, transfers, "move", 0.3)  # each side's balance taken in its own order

    with locks_disabled():
        results = run_together(
            [
                lambda: transfer_create(from_location=here, to_location=there, lot=lot, doses=1, by=None),
                lambda: transfer_create(from_location=there, to_location=here, lot=lot, doses=1, by=None),
            ]
        )

    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 1 and "deadlock detected" in str(failed[0]), results


def _receive_twice(monkeypatch):
    shipment = ShipmentFactory(doses_expected=100)
    staff = [member(shipment.location.organization, Role.PROVIDER_ADMIN) for _ in range(2)]
    pause_before(monkeypatch, shipments, "lot_register")  # read as expected; nothing received yet
    return shipment, [
        (
            lambda s=s: shipments.shipment_receive(
                shipment=shipment,
                lot_number="EK5730",
                expires_on=TODAY + timedelta(days=90),
                doses_received=100,
                by=s,
            )
        )
        for s in staff
    ]


def test_one_shipment_received_twice_at_once_is_received_once(monkeypatch):
    shipment, works = _receive_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Shipment": 1, "InventoryError": 1}, results
    assert selectors.stock_on_hand(location=shipment.location) == 100


def test_without_the_lock_one_shipment_is_received_twice(monkeypatch):
    """The control of the shipment's lock."""
    shipment, works = _receive_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Shipment": 2}, results
    assert selectors.stock_on_hand(location=shipment.location) == 200  # a hundred doses that never came


def _count_twice(monkeypatch):
    location, lot = stock(doses=10)
    staff = [member(location.organization, Role.PROVIDER_ADMIN) for _ in range(2)]
    pause_after(monkeypatch, counts, "lock_one")  # the ledger's balance was read for the count
    return (
        location,
        lot,
        [
            (
                lambda s=s: counts.inventory_report_submit(
                    location=location, counted_on=TODAY, lines=[{"lot": lot, "counted": 8}], by=s
                )
            )
            for s in staff
        ],
    )


def test_two_counts_of_one_lot_at_once_adjust_it_once(monkeypatch):
    location, lot, works = _count_twice(monkeypatch)

    results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert selectors.stock_on_hand(location=location, lot=lot) == 8


def test_without_the_lock_two_counts_of_one_lot_adjust_it_twice(monkeypatch):
    """The control of the balance's lock when counting: both counts read 10 and take 2 off."""
    location, lot, works = _count_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert selectors.stock_on_hand(location=location, lot=lot) == 6  # eight were counted


def _return_twice(monkeypatch, *, meet: int = 0):
    location, lot = stock(doses=10)
    stock_administer(location=location, lot=lot, by=None)
    # The balance is held; the doses given are read next. The control has both returns meet
    # there (meet=2): on a loaded machine one could start after the other's pause had ended.
    pause_after(monkeypatch, ledger, "lock_one", meet=meet)
    return (
        location,
        lot,
        [
            (
                lambda n=n: ledger.stock_return(
                    location=location, lot=lot, by=None, reason="Voided", reference=f"r{n}"
                )
            )
            for n in range(2)
        ],
    )


def test_two_returns_of_the_one_dose_given_at_once_return_it_once(monkeypatch):
    location, lot, works = _return_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"StockMovement": 1, "InventoryError": 1}, results
    assert selectors.stock_on_hand(location=location, lot=lot) == 10


def test_without_the_lock_the_one_dose_given_is_returned_twice(monkeypatch):
    """The control of the balance's lock when giving doses back."""
    location, lot, works = _return_twice(monkeypatch, meet=2)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"StockMovement": 2}, results
    assert selectors.stock_on_hand(location=location, lot=lot) == 11  # one more than was received


def _approve_twice(monkeypatch):
    here, lot = stock(doses=50)
    transfer = TransferFactory(from_location=here, lot=lot, doses=10)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    pause_before(monkeypatch, transfers, "_transfer_execute")  # decided, doses not yet moved
    return here, [(lambda o=o: transfers.transfer_approve(transfer=transfer, by=o)) for o in officials]


def test_one_transfer_approved_twice_at_once_moves_its_doses_once(monkeypatch):
    here, works = _approve_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Transfer": 1, "InventoryError": 1}, results
    assert selectors.stock_on_hand(location=here) == 40


def test_without_the_lock_one_transfer_approved_twice_moves_its_doses_twice(monkeypatch):
    """The control of the transfer's lock when the state decides it."""
    here, works = _approve_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Transfer": 2}, results
    assert selectors.stock_on_hand(location=here) == 30


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
    from inventory.services import redistribution
    from inventory.services.redistribution import redistribution_approve

    a, lot, requests = _racing_requests(8, 5)
    pause_after(monkeypatch, redistribution, "_posting_locked")
    with locks_disabled():
        results = run_together(
            [lambda asked=asked: redistribution_approve(asked=asked, by=None) for asked in requests]
        )

    moved = _moved_out(a, lot)
    assert moved > 10, (moved, results)


# --- Allocation corrections and plans (issue 15) -----------------------------------------------


def _cancel_twice():
    """Two cancellations of one allocation, to run together."""
    from inventory.services.allocations import allocation_cancel, allocation_create

    allocation = allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=LocationFactory(), doses=10, by=None
    )
    return [lambda: allocation_cancel(allocation=allocation, reason="Wrong", by=None)] * 2


def test_an_allocation_cancelled_twice_at_once_is_cancelled_once():
    results = run_together(_cancel_twice())

    assert sorted(type(r).__name__ for r in results) == ["Allocation", "InventoryError"], results
    assert AuditEvent.objects.filter(action="inventory.allocation.cancelled").count() == 1


def test_without_the_shipments_lock_an_allocation_is_cancelled_twice(monkeypatch):
    from inventory.services import allocations

    pause_after(monkeypatch, allocations, "_shipment_locked_changeable")
    with locks_disabled():
        results = run_together(_cancel_twice())

    assert [type(r).__name__ for r in results] == ["Allocation", "Allocation"], results
    assert AuditEvent.objects.filter(action="inventory.allocation.cancelled").count() == 2


def _decline_twice():
    """Two declines of one offer, to run together."""
    from tests.inventory.factories import offer

    line = offer(location=LocationFactory())
    from inventory.services.planning import offer_respond

    return [lambda: offer_respond(line=line, doses=0, by=None)] * 2


def test_an_offer_answered_twice_at_once_is_answered_once():
    results = run_together(_decline_twice())

    assert sorted(type(r).__name__ for r in results) == ["AllocationPlanLine", "PlanError"], results
    assert AuditEvent.objects.filter(action="inventory.plan.offer_answered").count() == 1


def test_without_the_plans_lock_an_offer_is_answered_twice(monkeypatch):
    from inventory.services import planning

    pause_after(monkeypatch, planning, "_plan_locked", meet=2)
    with locks_disabled():
        results = run_together(_decline_twice())

    assert [type(r).__name__ for r in results] == ["AllocationPlanLine", "AllocationPlanLine"], results
    assert AuditEvent.objects.filter(action="inventory.plan.offer_answered").count() == 2
