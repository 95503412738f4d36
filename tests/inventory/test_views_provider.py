"""Provider pages: what people see, what they may change, and another organization's 404s."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cvms.roles import Role
from inventory import selectors
from inventory.enums import MovementKind, ShipmentStatus, TransferStatus, WasteReason
from inventory.models import InventoryReport, Shipment, StockMovement
from inventory.services.allocations import allocation_create
from inventory.services.counts import inventory_report_submit
from inventory.services.ledger import stock_administer
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = pytest.mark.django_db


def other_stock():
    """Stock at a location of another organization."""
    return stock(location=LocationFactory(name="Elsewhere"), doses=10)


# --- Stock on hand -----------------------------------------------------------------------------


def test_stock_page_shows_own_lots_highlighting_expiring_and_expired(client, home):
    today = timezone.localdate()
    stock(
        location=home.location,
        lot=LotFactory(number="FRESH1", expires_on=today + timedelta(days=60)),
        doses=7,
    )
    stock(
        location=home.location, lot=LotFactory(number="SOON1", expires_on=today + timedelta(days=3)), doses=4
    )
    old = LotFactory(number="OLD1", expires_on=today + timedelta(days=1))
    stock(location=home.location, lot=old, doses=2)
    old.expires_on = today - timedelta(days=1)
    old.save()
    other_stock()
    client.force_login(home.vaccinator)

    page = client.get(reverse("provider:inventory.stock")).content.decode()

    assert 'class="table-warning" data-lot="SOON1"' in page
    assert 'class="table-danger" data-lot="OLD1"' in page
    assert "Expired — can't be used" in page
    assert 'class="" data-lot="FRESH1"' in page
    assert "Elsewhere" not in page


def test_stock_page_reads_in_spanish(client, home):
    today = timezone.localdate()
    old = LotFactory(number="OLD1", expires_on=today + timedelta(days=1))
    stock(location=home.location, lot=old, doses=2)
    old.expires_on = today - timedelta(days=1)
    old.save()
    client.force_login(home.vaccinator)

    page = client.get(reverse("provider:inventory.stock"), headers={"accept-language": "es"}).content.decode()

    assert '<html lang="es">' in page
    assert "Vencido — no se puede usar" in page


def test_stock_page_runs_the_same_queries_for_few_and_many_lots(client, home, django_assert_num_queries):
    client.force_login(home.admin)
    stock(location=home.location, doses=5)
    client.get(reverse("provider:inventory.stock"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("provider:inventory.stock"))
    for _ in range(12):
        stock(location=LocationFactory(organization=home.organization), doses=3)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("provider:inventory.stock"))
    assert len(response.context["stocks"]) == 13


# --- Ledger and CSV ----------------------------------------------------------------------------


def test_ledger_is_filtered_by_kind(client, home):
    location, lot = stock(location=home.location, doses=10)
    stock_administer(location=location, lot=lot, by=None)
    client.force_login(home.admin)

    response = client.get(reverse("provider:inventory.ledger", args=[location.pk]), {"kind": "administered"})

    assert [m.kind for m in response.context["movements"]] == [MovementKind.ADMINISTERED]


def test_ledger_runs_the_same_queries_for_few_and_many_movements(client, home, django_assert_num_queries):
    location, lot = stock(location=home.location, doses=100)
    client.force_login(home.admin)
    url = reverse("provider:inventory.ledger", args=[location.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(60):
        stock_administer(location=location, lot=lot, by=home.vaccinator)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["movements"]) == 50  # one page


def test_ledger_csv_is_streamed_and_escapes_formulas(client, home):
    location, lot = stock(location=home.location, doses=10)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 9, "wasted": 0, "note": '=HYPERLINK("http://evil")'}],
        by=home.admin,
    )
    client.force_login(home.admin)

    response = client.get(reverse("provider:inventory.ledger.csv", args=[location.pk]))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["when", "kind", "doses"]
    adjusted = next(row for row in rows if row[1] == "adjusted")
    assert adjusted[2] == "-1"  # numbers stay numbers
    assert adjusted[-1] == '\'=HYPERLINK("http://evil")'


def test_other_organizations_ledger_and_csv_are_404(client, home):
    location, _ = other_stock()
    client.force_login(home.admin)
    assert client.get(reverse("provider:inventory.ledger", args=[location.pk])).status_code == 404
    assert client.get(reverse("provider:inventory.ledger.csv", args=[location.pk])).status_code == 404
    assert client.post(reverse("provider:inventory.wastage.pdf", args=[location.pk])).status_code == 404


# --- Shipments ---------------------------------------------------------------------------------


def receipt(**overrides):
    return {
        "lot_number": "EW0150",
        "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "doses_received": "100",
        "doses_damaged": "0",
        "received_on": timezone.localdate().isoformat(),
        **overrides,
    }


def test_provider_receives_an_expected_shipment(client, home):
    allocation = allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=home.location, doses=100, by=home.state
    )
    client.force_login(home.vaccinator)

    response = client.post(
        reverse("provider:inventory.shipment.receive", args=[allocation.shipment.pk]),
        receipt(doses_received="98", doses_damaged="2", temperature_excursion="on", notes="Logger alarm"),
    )

    assert response.status_code == 302
    shipment = Shipment.objects.get(pk=allocation.shipment.pk)
    assert (shipment.status, shipment.doses_received, shipment.temperature_excursion) == (
        ShipmentStatus.RECEIVED,
        98,
        True,
    )
    assert selectors.stock_on_hand(location=home.location) == 98
    assert StockMovement.objects.get(kind=MovementKind.WASTED).reason == WasteReason.TEMPERATURE_EXCURSION


def test_receiving_with_a_lot_of_another_product_shows_the_refusal(client, home):
    LotFactory(number="EW0150")
    allocation = allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=home.location, doses=100, by=home.state
    )
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.shipment.receive", args=[allocation.shipment.pk]), receipt()
    )

    assert response.status_code == 200
    assert "Lot EW0150 is already known as a lot of" in response.content.decode()
    assert selectors.stock_on_hand(location=home.location) == 0


def test_another_organizations_shipment_cannot_be_received(client, home):
    allocation = allocation_create(
        week=timezone.localdate(),
        product=ProductFactory(),
        location=LocationFactory(),
        doses=100,
        by=home.state,
    )
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.shipment.receive", args=[allocation.shipment.pk]), receipt()
    )

    assert response.status_code == 404
    assert Shipment.objects.get(pk=allocation.shipment.pk).status == ShipmentStatus.EXPECTED
    assert StockMovement.objects.count() == 0


def test_doses_from_elsewhere_can_be_recorded_only_at_own_locations(client, home):
    product = ProductFactory()
    client.force_login(home.admin)
    data = receipt(product=product.pk, source="County health department")

    refused = client.post(
        reverse("provider:inventory.shipment.record"), {**data, "location": LocationFactory().pk}
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()

    client.post(reverse("provider:inventory.shipment.record"), {**data, "location": home.location.pk})
    assert selectors.stock_on_hand(location=home.location, product=product) == 100


# --- Transfers ---------------------------------------------------------------------------------


def test_transfer_of_more_than_on_hand_is_refused_on_the_page(client, home):
    location, _lot = stock(location=home.location, doses=5)
    sister = LocationFactory(organization=home.organization)
    stock_row = selectors.stock_levels(location=location).get()
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.transfer.create"),
        {"stock": stock_row.pk, "to_location": sister.pk, "doses": 6},
    )

    assert "Only 5 doses of lot" in response.content.decode()
    assert selectors.stock_on_hand(location=sister) == 0


def test_another_organizations_stock_cannot_be_transferred(client, home):
    location, _lot = other_stock()
    stock_row = selectors.stock_levels(location=location).get()
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.transfer.create"),
        {"stock": stock_row.pk, "to_location": home.location.pk, "doses": 1},
    )

    assert "Select a valid choice" in response.content.decode()
    assert selectors.stock_on_hand(location=location) == 10


def test_vaccinators_cannot_transfer(client, home):
    client.force_login(home.vaccinator)
    assert client.get(reverse("provider:inventory.transfer.create")).status_code == 403


def test_transfer_to_another_organization_appears_for_the_state_to_decide(client, home):
    location, _lot = stock(location=home.location, doses=10)
    stock_row = selectors.stock_levels(location=location).get()
    elsewhere = LocationFactory()
    client.force_login(home.admin)

    client.post(
        reverse("provider:inventory.transfer.create"),
        {"stock": stock_row.pk, "to_location": elsewhere.pk, "doses": 4},
    )
    client.force_login(home.state)
    page = client.get(reverse("state:inventory.transfers"))
    (transfer,) = page.context["transfers"]
    assert transfer.status == TransferStatus.AWAITING_APPROVAL

    client.post(reverse("state:inventory.transfer.decide", args=[transfer.pk]), {"decision": "approve"})
    assert selectors.stock_on_hand(location=elsewhere) == 4


# --- Inventory levels --------------------------------------------------------------------------


def levels_data(lot, **fields):
    return {
        "counted_on": timezone.localdate().isoformat(),
        f"counted_{lot.pk}": fields.get("counted", ""),
        f"wasted_{lot.pk}": fields.get("wasted", "0"),
        f"reason_{lot.pk}": fields.get("reason", ""),
        f"note_{lot.pk}": fields.get("note", ""),
    }


def test_inventory_levels_form_records_waste_and_the_count(client, home):
    location, lot = stock(location=home.location, doses=20)
    client.force_login(home.vaccinator)
    url = reverse("provider:inventory.levels", args=[location.pk])
    assert lot.number in client.get(url).content.decode()

    response = client.post(url, levels_data(lot, counted="18", wasted="1", reason=WasteReason.BROKEN_VIAL))

    assert response.status_code == 302
    assert selectors.stock_on_hand(location=location) == 18
    line = InventoryReport.objects.get().lines.get()
    assert (line.ledger_on_hand, line.counted, line.wasted, line.adjustment) == (20, 18, 1, -1)


def test_inventory_levels_form_refuses_a_negative_count(client, home):
    location, lot = stock(location=home.location, doses=20)
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.levels", args=[location.pk]), levels_data(lot, counted="-3")
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert InventoryReport.objects.count() == 0
    assert selectors.stock_on_hand(location=location) == 20


def test_inventory_levels_form_asks_for_the_waste_reason(client, home):
    location, lot = stock(location=home.location, doses=20)
    client.force_login(home.admin)
    response = client.post(
        reverse("provider:inventory.levels", args=[location.pk]), levels_data(lot, counted="19", wasted="1")
    )
    assert "Give the reason the doses were wasted." in response.content.decode()
    assert InventoryReport.objects.count() == 0


def test_another_organizations_inventory_levels_are_404_and_unchanged(client, home):
    location, lot = other_stock()
    client.force_login(home.admin)
    response = client.post(
        reverse("provider:inventory.levels", args=[location.pk]), levels_data(lot, counted="0")
    )
    assert response.status_code == 404
    assert selectors.stock_on_hand(location=location) == 10


# --- Wastage -----------------------------------------------------------------------------------


def test_wastage_page_sums_by_reason(client, home):
    location, lot = stock(location=home.location, doses=20)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 18, "wasted": 2, "waste_reason": WasteReason.OTHER}],
        by=home.admin,
    )
    client.force_login(home.admin)
    rows = client.get(reverse("provider:inventory.wastage")).context["rows"]
    assert [(r["reason"], r["doses"]) for r in rows] == [(WasteReason.OTHER, 2)]


def test_user_in_no_organization_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(reverse("provider:inventory.stock")).status_code == 403


def test_vaccinator_sees_only_the_locations_they_are_assigned_to(client, personas):
    from guardian.shortcuts import assign_perm

    from tests.factories import LocationFactory

    organization = personas.organizations["home_provider"]
    assigned = LocationFactory(organization=organization, name="Assigned Site")
    elsewhere = LocationFactory(organization=organization, name="Unassigned Site")
    vaccinator = personas.home[Role.VACCINATOR]
    assign_perm("enrollment.work_at_location", vaccinator, assigned)
    client.force_login(vaccinator)

    stock_page = client.get(reverse("provider:inventory.stock")).content.decode()
    assigned_ledger = client.get(reverse("provider:inventory.ledger", kwargs={"location_pk": assigned.pk}))
    other_ledger = client.get(reverse("provider:inventory.ledger", kwargs={"location_pk": elsewhere.pk}))

    assert "Assigned Site" in stock_page
    assert "Unassigned Site" not in stock_page
    assert assigned_ledger.status_code == 200
    assert other_ledger.status_code == 404
