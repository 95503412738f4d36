"""Reading stock: bounded queries whatever the size of the ledger (acceptance 4)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory import selectors
from inventory.enums import MovementKind
from inventory.models import Stock
from inventory.services.allocations import allocation_create
from inventory.services.counts import inventory_report_submit
from inventory.services.ledger import stock_administer
from inventory.services.shipments import shipment_receive
from tests.factories import LocationFactory
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = pytest.mark.django_db


def fill_ledger(*, location, lots, rows_per_lot: int) -> None:
    """`rows_per_lot` ledger lines per lot written by one set-based INSERT … SELECT
    generate_series: received +3, then administered -1, alternately (so each lot ends with
    rows_per_lot doses on hand) and the balance brought in step, as the services keep it."""
    with connection.cursor() as cursor:
        for lot in lots:
            cursor.execute(
                """
                INSERT INTO inventory_stockmovement (location_id, lot_id, kind, quantity, reason, note,
                                                     reference, at)
                SELECT %s, %s,
                       CASE WHEN n %% 2 = 0 THEN 'received' ELSE 'administered' END,
                       CASE WHEN n %% 2 = 0 THEN 3 ELSE -1 END,
                       '', '', '', now() - (n || ' minutes')::interval
                FROM generate_series(1, %s) AS n
                """,
                [location.pk, lot.pk, rows_per_lot],
            )
    for lot in lots:
        Stock.objects.update_or_create(location=location, lot=lot, defaults={"on_hand": rows_per_lot})


@pytest.mark.postgres
def test_stock_on_hand_with_100000_ledger_rows_is_read_in_bounded_queries(django_assert_max_num_queries):
    location = LocationFactory()
    product = ProductFactory()
    lots = [LotFactory(product=product) for _ in range(4)]
    fill_ledger(location=location, lots=lots, rows_per_lot=25_000)  # 100,000 rows

    with django_assert_max_num_queries(1):
        assert selectors.stock_on_hand(location=location) == 100_000
    with django_assert_max_num_queries(1):
        assert selectors.stock_on_hand(location=location, product=product) == 100_000
    with django_assert_max_num_queries(1) as captured:
        levels = list(selectors.stock_levels(location=location, with_ledger=True))
    # Each lot's row carries the ledger's sum, computed by PostgreSQL, not by Python.
    assert [(s.lot_id, s.on_hand, s.ledger_total) for s in levels] == [
        (lot.pk, 25_000, 25_000) for lot in lots
    ]
    assert "SUM(" in captured.captured_queries[0]["sql"].upper()
    with django_assert_max_num_queries(1):
        assert selectors.ledger_total(location=location) == 100_000


def test_stock_levels_flag_expired_and_soon_expiring_lots():
    today = timezone.localdate()
    location = LocationFactory()
    soon = LotFactory(expires_on=today + timedelta(days=14))
    later = LotFactory(expires_on=today + timedelta(days=15))
    stock(location=location, lot=soon, doses=3)
    stock(location=location, lot=later, doses=3)
    expiring = LotFactory(expires_on=today + timedelta(days=1))
    stock(location=location, lot=expiring, doses=2)
    expiring.expires_on = today - timedelta(days=1)
    expiring.save()

    flags = {s.lot_id: (s.is_expired, s.expires_soon) for s in selectors.stock_levels(location=location)}

    assert flags == {soon.pk: (False, True), later.pk: (False, False), expiring.pk: (True, False)}
    assert selectors.stock_usable(location=location) == 6
    assert selectors.stock_on_hand(location=location) == 8


def test_lots_usable_are_first_expiring_first_and_skip_expired_and_empty():
    today = timezone.localdate()
    location = LocationFactory()
    product = ProductFactory()
    late = LotFactory(product=product, expires_on=today + timedelta(days=60))
    early = LotFactory(product=product, expires_on=today + timedelta(days=10))
    empty = LotFactory(product=product, expires_on=today + timedelta(days=5))
    for lot in (late, early, empty):
        stock(location=location, lot=lot, doses=1)
    stock_administer(location=location, lot=empty, by=None)

    assert [s.lot for s in selectors.lots_usable(location=location, product=product)] == [early, late]


def test_doses_expected_counts_only_shipments_not_yet_received():
    from tests.factories import UserFactory

    location = LocationFactory()
    product = ProductFactory()
    by = UserFactory()
    first = allocation_create(week=timezone.localdate(), product=product, location=location, doses=30, by=by)
    allocation_create(
        week=timezone.localdate() + timedelta(weeks=1), product=product, location=location, doses=20, by=by
    )
    shipment_receive(
        shipment=first.shipment,
        lot_number="EXP1",
        expires_on=timezone.localdate() + timedelta(days=30),
        doses_received=30,
        by=by,
    )
    assert selectors.doses_expected(location=location, product=product) == 20
    assert selectors.doses_expected(location=location, product=ProductFactory()) == 0


def test_throughput_counts_administered_doses_per_week_net_of_voided():
    location, lot = stock(doses=20)
    last_week = timezone.now() - timedelta(days=7)
    for _ in range(3):
        stock_administer(location=location, lot=lot, by=None, at=last_week)
    stock_administer(location=location, lot=lot, by=None)  # this week: not a full week yet

    weeks = selectors.throughput(location=location, product=lot.product, weeks=2)

    assert [w["doses"] for w in weeks] == [0, 3]
    assert selectors.booked_appointments_ahead(location=location, product=lot.product) == 0


def test_wastage_by_reason_sums_per_month_and_reason():
    location, lot = stock(doses=20)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 15, "wasted": 5, "waste_reason": "broken_vial"}],
        by=None,
    )
    rows = selectors.wastage_by_reason(location=location)
    assert [(r["reason"], r["doses"]) for r in rows] == [("broken_vial", 5)]
    assert MovementKind.WASTED in {
        m.kind
        for m in selectors.wasted_movements(
            location=location, since=timezone.localdate(), until=timezone.localdate()
        )
    }
