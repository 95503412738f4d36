"""An allocation typed wrong is corrected or cancelled before it ships (issue 15, acceptance 2):
with a reason, audited; a cancelled allocation frees its week; a shipped one stays as it is."""

from datetime import date

import pytest

from cvms.models import AuditEvent
from inventory import selectors
from inventory.enums import AllocationStatus, ShipmentStatus, StorageClass
from inventory.services.allocations import (
    OverCapacity,
    allocation_cancel,
    allocation_change,
    allocation_create,
    allocation_ship,
)
from inventory.services.errors import InventoryError
from inventory.services.shipments import shipment_receive
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import ProductFactory

pytestmark = pytest.mark.django_db

WEEK = date(2021, 3, 8)


@pytest.fixture
def official():
    return UserFactory()


@pytest.fixture
def typed_wrong(official):
    """1,000 doses allocated where 100 were meant."""
    location = LocationFactory(refrigerated_capacity=1500)
    product = ProductFactory(storage_class=StorageClass.REFRIGERATED)
    return allocation_create(week=WEEK, product=product, location=location, doses=1000, by=official)


def test_allocation_typed_wrong_is_corrected_before_shipping(typed_wrong, official):
    allocation = allocation_change(
        allocation=typed_wrong, doses=100, reason="Typed 1000 for 100", by=official
    )

    allocation.refresh_from_db()
    assert (allocation.doses, allocation.shipment.doses_expected) == (100, 100)
    assert allocation.change_reason == "Typed 1000 for 100"
    assert selectors.doses_expected(location=allocation.location) == 100
    event = AuditEvent.objects.get(action="inventory.allocation.changed")
    assert event.data == {"from": 1000, "to": 100, "reason": "Typed 1000 for 100"}


def test_cancelled_allocation_frees_its_week_for_a_new_one(typed_wrong, official):
    allocation_cancel(allocation=typed_wrong, reason="Wrong location", by=official)

    typed_wrong.refresh_from_db()
    assert typed_wrong.status == AllocationStatus.CANCELLED
    assert typed_wrong.shipment.status == ShipmentStatus.CANCELLED
    assert selectors.doses_expected(location=typed_wrong.location) == 0
    again = allocation_create(
        week=WEEK, product=typed_wrong.product, location=typed_wrong.location, doses=100, by=official
    )
    assert again.doses == 100
    assert AuditEvent.objects.filter(action="inventory.allocation.cancelled").count() == 1


def test_change_or_cancel_without_a_reason_is_refused(typed_wrong, official):
    with pytest.raises(InventoryError, match="reason"):
        allocation_change(allocation=typed_wrong, doses=100, reason="  ", by=official)
    with pytest.raises(InventoryError, match="reason"):
        allocation_cancel(allocation=typed_wrong, reason="", by=official)
    typed_wrong.refresh_from_db()
    assert (typed_wrong.doses, typed_wrong.status) == (1000, AllocationStatus.ACTIVE)


def test_change_beyond_storage_capacity_is_refused(typed_wrong, official):
    with pytest.raises(OverCapacity, match="at most 1500 can be allocated, not 1501"):
        allocation_change(allocation=typed_wrong, doses=1501, reason="More", by=official)
    assert allocation_change(allocation=typed_wrong, doses=1500, reason="More", by=official).doses == 1500


def test_shipped_allocation_can_be_neither_changed_nor_cancelled(typed_wrong, official):
    allocation_ship(allocation=typed_wrong, by=official)

    with pytest.raises(InventoryError, match="already shipped"):
        allocation_change(allocation=typed_wrong, doses=100, reason="Too late", by=official)
    with pytest.raises(InventoryError, match="already shipped"):
        allocation_cancel(allocation=typed_wrong, reason="Too late", by=official)
    typed_wrong.refresh_from_db()
    assert (typed_wrong.doses, typed_wrong.shipment.status) == (1000, ShipmentStatus.SHIPPED)
    # Still on its way: counted as expected, and the location receives it.
    assert selectors.doses_expected(location=typed_wrong.location) == 1000
    shipment_receive(
        shipment=typed_wrong.shipment,
        lot_number="SHIP1",
        expires_on=date(2030, 1, 1),
        doses_received=1000,
        received_on=date(2021, 3, 9),
        by=official,
    )
    assert selectors.stock_on_hand(location=typed_wrong.location) == 1000


def test_cancelled_allocation_can_not_be_changed_or_shipped(typed_wrong, official):
    allocation_cancel(allocation=typed_wrong, reason="Wrong", by=official)
    with pytest.raises(InventoryError, match="cancelled"):
        allocation_change(allocation=typed_wrong, doses=100, reason="Fix", by=official)
    with pytest.raises(InventoryError, match="cancelled"):
        allocation_ship(allocation=typed_wrong, by=official)
