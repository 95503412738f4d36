"""State pages: allocations within capacity, the catalogue, stock across the state."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory import selectors
from inventory.enums import StorageClass
from inventory.models import Allocation, Product
from inventory.services.allocations import allocation_create
from tests.factories import LocationFactory
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = pytest.mark.django_db


def test_allocation_form_shows_the_locations_figures(client, home):
    product = ProductFactory(storage_class=StorageClass.FROZEN)
    location = LocationFactory(organization=home.organization, frozen_capacity=800)
    stock(location=location, lot=LotFactory(product=product), doses=150)
    client.force_login(home.state)

    response = client.get(
        reverse("state:inventory.allocation.create"),
        {"week": timezone.localdate().isoformat(), "product": product.pk, "location": location.pk},
    )

    planning = response.context["planning"]
    assert (planning["capacity"], planning["on_hand"], planning["room"], planning["booked_ahead"]) == (
        800,
        150,
        650,
        0,
    )
    assert len(planning["throughput"]) == 4
    assert "Room left" in response.content.decode()


def test_allocation_beyond_capacity_is_refused_with_a_message(client, home):
    product = ProductFactory(storage_class=StorageClass.REFRIGERATED)
    location = LocationFactory(organization=home.organization, refrigerated_capacity=200)
    client.force_login(home.state)

    response = client.post(
        reverse("state:inventory.allocation.create"),
        {
            "week": timezone.localdate().isoformat(),
            "product": product.pk,
            "location": location.pk,
            "doses": 201,
        },
    )

    assert response.status_code == 200
    assert "at most 200 more can be allocated, not 201" in response.content.decode()
    assert Allocation.objects.count() == 0


def test_allocation_within_capacity_creates_the_expected_shipment(client, home):
    product = ProductFactory()
    client.force_login(home.state)
    response = client.post(
        reverse("state:inventory.allocation.create"),
        {
            "week": timezone.localdate().isoformat(),
            "product": product.pk,
            "location": home.location.pk,
            "doses": 200,
        },
    )
    assert response.status_code == 302
    assert selectors.doses_expected(location=home.location, product=product) == 200


def test_state_adds_a_product(client, home):
    client.force_login(home.state)
    response = client.post(
        reverse("state:inventory.product.create"),
        {
            "name": "New vaccine",
            "cvx": "999",
            "mvx": "ZZZ",
            "ndc": "12345-6789-01",
            "doses_per_vial": 5,
            "dose_volume_ml": "0.5",
            "storage_class": StorageClass.ULTRA_COLD,
            "series_doses": 2,
            "min_interval_days": 21,
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(ndc="12345-6789-01")
    assert (product.series_doses, product.min_interval_days, product.storage_class) == (2, 21, "ultra_cold")


def test_product_with_a_malformed_ndc_is_refused(client, home):
    client.force_login(home.state)
    response = client.post(
        reverse("state:inventory.product.create"),
        {"name": "X", "cvx": "1", "ndc": "123", "storage_class": "frozen", "series_doses": 1},
    )
    assert "5-4-2 form" in response.content.decode()


def test_catalogue_is_loaded_from_the_reference_data():
    pfizer = Product.objects.get(ndc="59267-1000-01")
    assert (pfizer.cvx, pfizer.mvx, pfizer.doses_per_vial, str(pfizer.dose_volume_ml)) == (
        "208",
        "PFR",
        6,
        "0.300",
    )
    assert (pfizer.storage_class, pfizer.series_doses, pfizer.min_interval_days) == ("ultra_cold", 2, 21)
    assert Product.objects.count() == 55


@pytest.mark.parametrize(
    "url_name", ["state:inventory.stock", "state:inventory.allocations", "state:inventory.products"]
)
def test_state_lists_run_the_same_queries_for_few_and_many_rows(
    client, home, url_name, django_assert_num_queries
):
    client.force_login(home.state)
    product = ProductFactory()
    url = reverse(url_name)

    def add_rows(n):
        for _ in range(n):
            location = LocationFactory()
            stock(location=location, doses=5)
            allocation_create(
                week=timezone.localdate(), product=product, location=location, doses=5, by=home.state
            )

    add_rows(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_rows(8)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_state_stock_filters_by_county_and_lot(client, home):
    _location, lot = stock(location=LocationFactory(county_id="37183"), doses=5)
    stock(location=LocationFactory(county_id="37183"), doses=7)
    client.force_login(home.state)

    response = client.get(reverse("state:inventory.stock"), {"county": "37183", "lot": lot.number})

    assert [s["lot_id"] for s in response.context["stocks"]] == [lot.pk]
    assert sum(row["doses"] for row in response.context["totals"]) == 12


def test_expiring_lots_are_highlighted_in_the_state_view(client, home):
    from tests.inventory.factories import LotFactory

    stock(lot=LotFactory(number="SOON9", expires_on=timezone.localdate() + timedelta(days=13)), doses=5)
    client.force_login(home.state)
    assert "Expires soon" in client.get(reverse("state:inventory.stock")).content.decode()


def test_state_stock_rows_show_each_column_and_flag_expired_lots(client, home):
    _location, lot = stock(
        location=LocationFactory(name="Oak Clinic", organization=home.organization, county_id="37183"),
        lot=LotFactory(number="OLD1"),
        doses=1250,
    )
    # Received while good, expired since.
    lot.expires_on = timezone.localdate() - timedelta(days=1)
    lot.save(update_fields=["expires_on"])
    client.force_login(home.state)

    page = client.get(reverse("state:inventory.stock")).content.decode()

    row = page[page.index('<tr class="table-danger">') :].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td")[1:]]
    assert cells == [
        f'>Oak Clinic <span class="text-body-secondary">({home.organization.name})</span>',
        ">Wake County",
        f">{lot.product.name}",
        ">OLD1",
        f">{lot.expires_on.strftime('%Y-%m-%d')}",
        ' class="text-end">1,250',
        """><span class="badge text-bg-danger">Expired — can't be used</span>""",
    ]


def test_state_stock_filter_refuses_an_unknown_product_and_says_so_beside_it(client, home):
    stock(location=LocationFactory(county_id="37183"), doses=5)
    client.force_login(home.state)

    response = client.get(reverse("state:inventory.stock"), {"product": "not-a-product", "county": "37183"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="form-select is-invalid" id="id_product"' in page
    assert 'aria-describedby="id_product_error" aria-invalid="true"' in page
    assert '<div id="id_product_error" class="invalid-feedback"><p>Select a valid choice.' in page
    assert '<option value="37183" selected>Wake County</option>' in page
    assert len(response.context["stocks"]) == 1  # an invalid filter filters nothing
