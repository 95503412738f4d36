"""The rules of the ledger: what is recorded, and what is refused (acceptance 3)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cvms.models import AuditEvent
from inventory import selectors
from inventory.enums import MovementKind, ShipmentStatus, StorageClass, TransferStatus, WasteReason
from inventory.models import AppendOnlyLedgerError, Stock, StockMovement
from inventory.services.allocations import OverCapacity, allocation_create
from inventory.services.catalogue import LotConflict, lot_register
from inventory.services.counts import inventory_report_submit
from inventory.services.errors import InsufficientStock, InventoryError
from inventory.services.ledger import LotExpired, stock_administer, stock_return
from inventory.services.shipments import shipment_receive, shipment_record
from inventory.services.transfers import transfer_approve, transfer_create
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = pytest.mark.django_db

TODAY = date(2021, 3, 10)


@pytest.fixture
def official():
    return UserFactory()


def movements(location):
    return list(
        StockMovement.objects.filter(location=location)
        .order_by("id")
        .values_list("kind", "quantity", "reason")
    )


def test_administer_takes_a_dose_and_writes_the_ledger_and_audit():
    location, lot = stock(doses=10)
    vaccinator = UserFactory()

    movement = stock_administer(
        location=location, lot=lot, by=vaccinator, reason="", reference="administration.record:7"
    )

    assert (movement.kind, movement.quantity, movement.reference) == (
        MovementKind.ADMINISTERED,
        -1,
        "administration.record:7",
    )
    assert selectors.stock_on_hand(location=location) == 9
    assert selectors.ledger_total(location=location) == 9
    assert AuditEvent.objects.filter(
        action="inventory.stock.administered", target_id=str(movement.pk)
    ).exists()


def test_administer_refused_for_an_expired_lot():
    lot = LotFactory(expires_on=timezone.localdate() + timedelta(days=5))
    location, lot = stock(lot=lot, doses=10)
    later = timezone.now() + timedelta(days=6)

    with pytest.raises(LotExpired, match=f"Lot {lot.number} expired on"):
        stock_administer(location=location, lot=lot, by=None, at=later)

    assert selectors.stock_on_hand(location=location) == 10
    assert movements(location) == [(MovementKind.RECEIVED, 10, "")]


def test_administer_refused_below_zero():
    location, lot = stock(doses=1)
    stock_administer(location=location, lot=lot, by=None)

    with pytest.raises(InsufficientStock, match="Only 0 doses"):
        stock_administer(location=location, lot=lot, by=None)

    assert selectors.stock_on_hand(location=location) == 0


def test_administer_rolls_back_with_the_callers_transaction():
    location, lot = stock(doses=5)

    with pytest.raises(RuntimeError), transaction.atomic():
        stock_administer(location=location, lot=lot, by=None)
        raise RuntimeError("the dose record failed")

    assert selectors.stock_on_hand(location=location) == 5
    assert StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).count() == 0


def test_return_of_a_voided_dose_puts_it_back():
    location, lot = stock(doses=5)
    stock_administer(location=location, lot=lot, by=None)

    stock_return(location=location, lot=lot, by=None, reason="Dose record voided", reference="r:1")

    assert selectors.stock_on_hand(location=location) == 5
    assert movements(location)[-1] == (MovementKind.ADMINISTERED, 1, "")


def test_return_refused_beyond_what_was_administered():
    location, lot = stock(doses=5)

    with pytest.raises(InventoryError, match="Only 0 doses of lot"):
        stock_return(location=location, lot=lot, by=None, reason="voided")


def test_ledger_rows_cannot_be_changed_or_deleted():
    location, _ = stock(doses=5)
    movement = StockMovement.objects.get(location=location)

    with pytest.raises(AppendOnlyLedgerError):
        movement.save()
    with pytest.raises(AppendOnlyLedgerError):
        movement.delete()
    with pytest.raises(AppendOnlyLedgerError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=50)


@pytest.mark.postgres
def test_database_refuses_negative_stock_and_raw_ledger_edits():
    location, lot = stock(doses=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(location=location, lot=lot).update(on_hand=-1)
    from django.db import DatabaseError, connection

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE inventory_stockmovement SET quantity = 99")


# --- Lots ----------------------------------------------------------------------------------------


def test_lot_number_reused_for_another_product_is_refused():
    lot = LotFactory(number="EL9261")
    other_product = ProductFactory(name="Another vaccine")

    with pytest.raises(LotConflict, match="already known as a lot of"):
        lot_register(product=other_product, number="el9261", expires_on=lot.expires_on, by=None)


def test_lot_known_with_another_expiry_is_refused():
    lot = LotFactory(number="EL9262")

    with pytest.raises(LotConflict, match="known with the expiry date"):
        lot_register(
            product=lot.product, number="EL9262", expires_on=lot.expires_on + timedelta(days=1), by=None
        )


def test_lot_number_unique_in_the_database_whatever_the_case():
    LotFactory(number="AB123")
    with pytest.raises(IntegrityError):
        LotFactory(number="ab123")


def test_known_lot_is_found_again():
    lot = LotFactory(number="EL3302")
    assert lot_register(product=lot.product, number=" el3302 ", expires_on=lot.expires_on, by=None) == lot


# --- Allocations -------------------------------------------------------------------------------


def test_allocation_creates_an_expected_shipment(official):
    location = LocationFactory(refrigerated_capacity=500)
    product = ProductFactory(storage_class=StorageClass.REFRIGERATED)

    allocation = allocation_create(
        week=date(2021, 3, 10), product=product, location=location, doses=300, by=official
    )

    assert allocation.week == date(2021, 3, 8)  # the Monday
    assert allocation.shipment.status == ShipmentStatus.EXPECTED
    assert selectors.doses_expected(location=location, product=product) == 300
    assert AuditEvent.objects.filter(action="inventory.allocation.created").count() == 1


def test_allocation_beyond_storage_capacity_is_refused(official):
    location = LocationFactory(frozen_capacity=1000, refrigerated_capacity=5000)
    frozen = ProductFactory(storage_class=StorageClass.FROZEN)
    stock(location=location, lot=LotFactory(product=frozen), doses=400)
    allocation_create(week=TODAY, product=frozen, location=location, doses=500, by=official)

    with pytest.raises(OverCapacity) as refused:
        allocation_create(
            week=TODAY + timedelta(weeks=1), product=frozen, location=location, doses=101, by=official
        )

    assert "at most 100 more can be allocated, not 101" in str(refused.value)
    assert selectors.doses_expected(location=location) == 500


def test_allocation_fits_exactly_the_room_left(official):
    location = LocationFactory(ultra_cold_capacity=975)
    product = ProductFactory(storage_class=StorageClass.ULTRA_COLD)
    allocation_create(week=TODAY, product=product, location=location, doses=975, by=official)
    assert selectors.doses_expected(location=location) == 975


def test_second_allocation_for_the_same_week_is_refused(official):
    location = LocationFactory()
    product = ProductFactory()
    allocation_create(week=TODAY, product=product, location=location, doses=10, by=official)
    with pytest.raises(InventoryError, match="already has an allocation"):
        allocation_create(week=TODAY, product=product, location=location, doses=10, by=official)


def test_allocation_to_an_inactive_location_is_refused(official):
    with pytest.raises(InventoryError, match="can't receive vaccine"):
        allocation_create(
            week=TODAY,
            product=ProductFactory(),
            location=LocationFactory(is_active=False),
            doses=10,
            by=official,
        )


# --- Shipments ---------------------------------------------------------------------------------


def test_receiving_a_shipment_records_the_lot_and_the_damaged_doses(official):
    location = LocationFactory()
    product = ProductFactory()
    allocation = allocation_create(week=TODAY, product=product, location=location, doses=100, by=official)
    provider = UserFactory()

    shipment = shipment_receive(
        shipment=allocation.shipment,
        lot_number="EN6201",
        expires_on=timezone.localdate() + timedelta(days=60),
        doses_received=95,
        doses_damaged=5,
        notes="One carton crushed",
        by=provider,
    )

    assert shipment.status == ShipmentStatus.RECEIVED
    assert shipment.lot.number == "EN6201"
    assert movements(location) == [
        (MovementKind.RECEIVED, 100, ""),
        (MovementKind.WASTED, -5, WasteReason.BROKEN_VIAL),
    ]
    assert selectors.stock_on_hand(location=location, product=product) == 95
    assert selectors.doses_expected(location=location) == 0


def test_shipment_is_received_once(official):
    allocation = allocation_create(
        week=TODAY, product=ProductFactory(), location=LocationFactory(), doses=10, by=official
    )
    expiry = timezone.localdate() + timedelta(days=60)
    shipment_receive(
        shipment=allocation.shipment, lot_number="X1", expires_on=expiry, doses_received=10, by=None
    )
    with pytest.raises(InventoryError, match="already recorded"):
        shipment_receive(
            shipment=allocation.shipment, lot_number="X1", expires_on=expiry, doses_received=10, by=None
        )
    assert StockMovement.objects.count() == 1


def test_receiving_an_expired_lot_is_refused():
    with pytest.raises(LotExpired):
        shipment_record(
            location=LocationFactory(),
            product=ProductFactory(),
            source="Hub",
            lot_number="OLD1",
            expires_on=timezone.localdate() - timedelta(days=1),
            doses_received=10,
            by=None,
        )
    assert StockMovement.objects.count() == 0


# --- Transfers ---------------------------------------------------------------------------------


def test_transfer_within_the_organization_moves_the_doses_at_once():
    location, lot = stock(doses=20)
    sister = LocationFactory(organization=location.organization)

    transfer = transfer_create(from_location=location, to_location=sister, lot=lot, doses=8, by=None)

    assert transfer.status == TransferStatus.COMPLETED
    assert selectors.stock_on_hand(location=location) == 12
    assert selectors.stock_on_hand(location=sister) == 8
    assert movements(sister) == [(MovementKind.TRANSFERRED_IN, 8, "")]


def test_transfer_of_more_than_on_hand_is_refused():
    location, lot = stock(doses=5)
    sister = LocationFactory(organization=location.organization)

    with pytest.raises(InsufficientStock, match="Only 5 doses"):
        transfer_create(from_location=location, to_location=sister, lot=lot, doses=6, by=None)

    assert selectors.stock_on_hand(location=location) == 5
    assert selectors.stock_on_hand(location=sister) == 0


def test_transfer_to_another_organization_waits_for_the_state(official):
    location, lot = stock(doses=10)
    elsewhere = LocationFactory()

    transfer = transfer_create(from_location=location, to_location=elsewhere, lot=lot, doses=4, by=None)
    assert transfer.status == TransferStatus.AWAITING_APPROVAL
    assert selectors.stock_on_hand(location=elsewhere) == 0

    transfer_approve(transfer=transfer, by=official)
    assert selectors.stock_on_hand(location=location) == 6
    assert selectors.stock_on_hand(location=elsewhere) == 4


def test_approval_refused_when_the_doses_are_gone(official):
    location, lot = stock(doses=10)
    transfer = transfer_create(
        from_location=location, to_location=LocationFactory(), lot=lot, doses=10, by=None
    )
    stock_administer(location=location, lot=lot, doses=3, by=None)

    with pytest.raises(InsufficientStock):
        transfer_approve(transfer=transfer, by=official)

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.AWAITING_APPROVAL
    assert selectors.stock_on_hand(location=location) == 7


def test_transfer_of_an_expired_lot_is_refused():
    lot = LotFactory(expires_on=timezone.localdate() + timedelta(days=1))
    location, lot = stock(lot=lot, doses=10)
    lot.expires_on = timezone.localdate() - timedelta(days=1)
    lot.save()
    with pytest.raises(LotExpired):
        transfer_create(
            from_location=location,
            to_location=LocationFactory(organization=location.organization),
            lot=lot,
            doses=1,
            by=None,
        )


# --- Inventory levels --------------------------------------------------------------------------


def test_inventory_report_records_waste_and_adjusts_to_the_count():
    location, lot = stock(doses=50)
    provider = UserFactory()

    report = inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 46, "wasted": 2, "waste_reason": WasteReason.DRAWN_NOT_ADMINISTERED}],
        by=provider,
    )

    line = report.lines.get()
    assert (line.ledger_on_hand, line.counted, line.wasted, line.adjustment) == (50, 46, 2, -2)
    assert movements(location)[1:] == [
        (MovementKind.WASTED, -2, WasteReason.DRAWN_NOT_ADMINISTERED),
        (MovementKind.ADJUSTED, -2, ""),
    ]
    assert selectors.stock_on_hand(location=location) == 46 == selectors.ledger_total(location=location)


def test_inventory_report_with_expired_doses_writes_them_off_as_expired():
    location, lot = stock(doses=5)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 0, "wasted": 5, "waste_reason": WasteReason.EXPIRED}],
        by=None,
    )
    assert movements(location)[-1] == (MovementKind.EXPIRED, -5, WasteReason.EXPIRED)


def test_inventory_report_with_a_negative_count_is_refused_and_saves_nothing():
    location, lot = stock(doses=5)
    _second_location, second_lot = stock(location=location, doses=5)

    with pytest.raises(InventoryError, match="the count can't be negative"):
        inventory_report_submit(
            location=location,
            counted_on=timezone.localdate(),
            lines=[
                {"lot": lot, "counted": 3, "wasted": 0},
                {"lot": second_lot, "counted": -1, "wasted": 0},
            ],
            by=None,
        )

    assert selectors.stock_on_hand(location=location) == 10
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTED).count() == 0


def test_inventory_report_waste_without_reason_is_refused():
    location, lot = stock(doses=5)
    with pytest.raises(InventoryError, match="give the reason"):
        inventory_report_submit(
            location=location,
            counted_on=timezone.localdate(),
            lines=[{"lot": lot, "counted": 4, "wasted": 1}],
            by=None,
        )


def test_inventory_report_wasting_more_than_on_hand_is_refused():
    location, lot = stock(doses=5)
    with pytest.raises(InsufficientStock):
        inventory_report_submit(
            location=location,
            counted_on=timezone.localdate(),
            lines=[{"lot": lot, "counted": 0, "wasted": 6, "waste_reason": WasteReason.OTHER}],
            by=None,
        )
    assert selectors.stock_on_hand(location=location) == 5
