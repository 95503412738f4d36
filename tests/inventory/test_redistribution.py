"""Redistribution (issue 15, acceptance 3): doses a location can't use are posted, requested by
another location and, once the state approves, moved out of A and into B in one transaction;
a refused request leaves both unchanged."""

import pytest
from django.db import transaction

from cvms.models import AuditEvent
from inventory import selectors
from inventory.enums import MovementKind, RedistributionStatus, SurplusStatus, TransferStatus
from inventory.models import StockMovement
from inventory.services.errors import InsufficientStock, InventoryError
from inventory.services.ledger import stock_administer
from inventory.services.redistribution import (
    redistribution_approve,
    redistribution_refuse,
    redistribution_request,
    surplus_post,
    surplus_withdraw,
)
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return UserFactory()


@pytest.fixture
def posted():
    """A has 30 doses of a lot and offers 20 of them; B is a location of another provider."""
    a, lot = stock(location=LocationFactory(name="A"), lot=LotFactory(), doses=30)
    b = LocationFactory(name="B")
    return a, b, lot, surplus_post(location=a, lot=lot, doses=20, note="Expires Friday", by=None)


def ledger_lines(location):
    return list(
        StockMovement.objects.filter(location=location)
        .order_by("id")
        .values_list("kind", "quantity", "transfer_id")
    )


def test_approved_request_moves_the_same_doses_out_of_a_and_into_b(posted, official):
    a, b, lot, posting = posted
    asked = redistribution_request(posting=posting, location=b, doses=12, by=None)

    with transaction.atomic():  # the caller's transaction: both sides commit together
        redistribution_approve(asked=asked, by=official)

    asked.refresh_from_db()
    transfer = asked.transfer
    assert asked.status == RedistributionStatus.APPROVED
    assert (transfer.status, transfer.doses, transfer.lot, transfer.from_location, transfer.to_location) == (
        TransferStatus.COMPLETED,
        12,
        lot,
        a,
        b,
    )
    assert ledger_lines(a)[-1] == (MovementKind.TRANSFERRED_OUT, -12, transfer.pk)
    assert ledger_lines(b) == [(MovementKind.TRANSFERRED_IN, 12, transfer.pk)]
    assert (selectors.stock_on_hand(location=a, lot=lot), selectors.stock_on_hand(location=b, lot=lot)) == (
        18,
        12,
    )
    assert selectors.ledger_total(location=a, lot=lot) == 18
    posting.refresh_from_db()
    assert posting.status == SurplusStatus.OPEN  # 8 doses still offered
    assert AuditEvent.objects.filter(action="inventory.redistribution.approved").count() == 1


def test_refused_request_leaves_both_unchanged(posted, official):
    a, b, lot, posting = posted
    asked = redistribution_request(posting=posting, location=b, doses=12, by=None)
    before = (ledger_lines(a), ledger_lines(b))

    redistribution_refuse(asked=asked, note="B has enough", by=official)

    asked.refresh_from_db()
    assert (asked.status, asked.decision_note, asked.transfer) == (
        RedistributionStatus.REFUSED,
        "B has enough",
        None,
    )
    assert (ledger_lines(a), ledger_lines(b)) == before
    assert (selectors.stock_on_hand(location=a, lot=lot), selectors.stock_on_hand(location=b, lot=lot)) == (
        30,
        0,
    )
    with pytest.raises(InventoryError, match="already decided"):
        redistribution_approve(asked=asked, by=official)


def test_approval_when_a_no_longer_has_the_doses_moves_nothing(posted, official):
    a, b, lot, posting = posted
    asked = redistribution_request(posting=posting, location=b, doses=20, by=None)
    stock_administer(location=a, lot=lot, doses=15, by=None)  # A used most of them after all
    before = (ledger_lines(a), ledger_lines(b))

    with pytest.raises(InsufficientStock):
        redistribution_approve(asked=asked, by=official)

    asked.refresh_from_db()
    assert asked.status == RedistributionStatus.AWAITING_APPROVAL
    assert (ledger_lines(a), ledger_lines(b)) == before
    assert (selectors.stock_on_hand(location=a, lot=lot), selectors.stock_on_hand(location=b, lot=lot)) == (
        15,
        0,
    )


def test_no_more_than_posted_is_moved(posted, official):
    a, b, lot, posting = posted
    c = LocationFactory(name="C")
    first = redistribution_request(posting=posting, location=b, doses=15, by=None)
    second = redistribution_request(posting=posting, location=c, doses=10, by=None)
    redistribution_approve(asked=first, by=official)

    with pytest.raises(InventoryError, match="Only 5 doses of this offer are left"):
        redistribution_approve(asked=second, by=official)
    with pytest.raises(InventoryError, match="Only 5 doses"):
        redistribution_request(posting=posting, location=c, doses=6, by=None)
    last = redistribution_request(posting=posting, location=c, doses=5, by=None)
    redistribution_approve(asked=last, by=official)

    posting.refresh_from_db()
    assert posting.status == SurplusStatus.CLOSED
    assert selectors.stock_on_hand(location=a, lot=lot) == 10


def test_posting_more_than_on_hand_or_twice_the_same_doses_is_refused():
    a, lot = stock(doses=30)
    with pytest.raises(InsufficientStock, match="at most 30 more can be offered, not 31"):
        surplus_post(location=a, lot=lot, doses=31, by=None)
    surplus_post(location=a, lot=lot, doses=20, by=None)
    with pytest.raises(InsufficientStock, match="already offers 20: at most 10 more"):
        surplus_post(location=a, lot=lot, doses=11, by=None)


def test_request_for_own_doses_or_a_closed_offer_is_refused(posted, official):
    a, b, _lot, posting = posted
    with pytest.raises(InventoryError, match="already at A"):
        redistribution_request(posting=posting, location=a, doses=1, by=None)
    waiting = redistribution_request(posting=posting, location=b, doses=1, by=None)

    surplus_withdraw(posting=posting, by=None)

    waiting.refresh_from_db()
    assert waiting.status == RedistributionStatus.REFUSED
    with pytest.raises(InventoryError, match="closed"):
        redistribution_request(posting=posting, location=b, doses=1, by=None)
