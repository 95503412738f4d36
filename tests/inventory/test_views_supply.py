"""The pages of allocation plans, offers, allocation corrections and redistribution (issue 15):
what the state official and the provider see and do, what is refused, and the list pages'
queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cvms.roles import Role
from inventory import selectors
from inventory.enums import AllocationStatus, OfferStatus, PlanStatus, RedistributionStatus, ShipmentStatus
from inventory.models import Allocation, AllocationPlan, RedistributionRequest, SurplusPosting
from inventory.services.allocations import allocation_create
from inventory.services.redistribution import redistribution_request, surplus_post
from tests.factories import LocationFactory
from tests.inventory.factories import (
    AllocationPlanLineFactory,
    LotFactory,
    ProductFactory,
    offer,
    stock,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- State: plans ------------------------------------------------------------------------------


def test_official_plans_adjusts_and_publishes_a_weeks_supply(client, home):
    product = ProductFactory(doses_per_vial=10)
    location = LocationFactory(
        organization=home.organization, refrigerated_capacity=500, weekly_throughput=300
    )
    client.force_login(home.state)

    response = client.post(
        reverse("state:inventory.plan.create"),
        {"week": timezone.localdate().isoformat(), "product": product.pk, "supply": 1000},
    )
    plan = AllocationPlan.objects.get()
    assert response.url == reverse("state:inventory.plan", args=[plan.pk])
    page = client.get(response.url)
    line = plan.lines.get(location=location)
    assert {shown.location for shown in page.context["lines"]} == {location, home.location}
    assert "Storage room" in page.content.decode() and "(declared)" in page.content.decode()

    client.post(reverse("state:inventory.plan.line", args=[line.pk]), {"doses": 200})
    response = client.post(
        reverse("state:inventory.plan.publish", args=[plan.pk]),
        {"respond_by": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    plan.refresh_from_db()
    line.refresh_from_db()
    assert (plan.status, line.doses, line.status) == (PlanStatus.PUBLISHED, 200, OfferStatus.OFFERED)
    assert messages_of(response) == [
        f"{location.name}: 200 doses.",
        "The plan is published and each location was told of its offer.",
    ]


def test_plan_line_of_part_of_a_vial_is_refused_with_a_message(client, home):
    line = AllocationPlanLineFactory(plan__product=ProductFactory(doses_per_vial=10))
    client.force_login(home.state)

    response = client.post(reverse("state:inventory.plan.line", args=[line.pk]), {"doses": 15}, follow=True)

    assert messages_of(response) == ["Allocate whole vials: a multiple of 10 doses."]
    line.refresh_from_db()
    assert line.doses == 100


def test_publishing_with_a_past_deadline_is_refused(client, home):
    line = AllocationPlanLineFactory()
    client.force_login(home.state)

    response = client.post(
        reverse("state:inventory.plan.publish", args=[line.plan.pk]),
        {"respond_by": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    assert messages_of(response) == ["The deadline for the locations' answers must be in the future."]
    line.plan.refresh_from_db()
    assert line.plan.status == PlanStatus.DRAFT


# --- State: allocation corrections -------------------------------------------------------------


@pytest.fixture
def allocation(home):
    location = LocationFactory(organization=home.organization, refrigerated_capacity=1000)
    return allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=location, doses=900, by=home.state
    )


def test_official_corrects_an_allocation_typed_wrong(client, home, allocation):
    client.force_login(home.state)
    url = reverse("state:inventory.allocation.change", args=[allocation.pk])
    assert client.get(url).context["form"].initial["doses"] == 900

    response = client.post(url, {"doses": 90, "reason": "Typed 900 for 90"}, follow=True)

    assert messages_of(response) == ["The allocation was changed."]
    allocation.refresh_from_db()
    assert (allocation.doses, allocation.shipment.doses_expected, allocation.change_reason) == (
        90,
        90,
        "Typed 900 for 90",
    )


def test_change_without_a_reason_shows_the_form_again(client, home, allocation):
    client.force_login(home.state)

    response = client.post(reverse("state:inventory.allocation.change", args=[allocation.pk]), {"doses": 90})

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    allocation.refresh_from_db()
    assert allocation.doses == 900


def test_official_cancels_an_allocation_and_the_page_says_why(client, home, allocation):
    client.force_login(home.state)

    response = client.post(
        reverse("state:inventory.allocation.cancel", args=[allocation.pk]),
        {"reason": "Wrong clinic"},
        follow=True,
    )

    assert messages_of(response) == ["The allocation was cancelled."]
    assert "Cancelled: Wrong clinic" in response.content.decode()
    allocation.refresh_from_db()
    assert (allocation.status, allocation.shipment.status) == (
        AllocationStatus.CANCELLED,
        ShipmentStatus.CANCELLED,
    )


def test_shipped_allocation_is_no_longer_changed(client, home, allocation):
    client.force_login(home.state)
    client.post(reverse("state:inventory.allocation.ship", args=[allocation.pk]))

    response = client.post(
        reverse("state:inventory.allocation.change", args=[allocation.pk]), {"doses": 90, "reason": "Late"}
    )

    assert "already shipped" in response.content.decode()
    allocation.refresh_from_db()
    assert (allocation.doses, allocation.shipment.status) == (900, ShipmentStatus.SHIPPED)


# --- Provider: offers --------------------------------------------------------------------------


def test_provider_accepts_part_of_an_offer(client, home):
    line = offer(location=home.location, doses=300, product=ProductFactory(doses_per_vial=10))
    client.force_login(home.admin)
    assert list(client.get(reverse("provider:inventory.offers")).context["offers"]) == [line]

    response = client.post(
        reverse("provider:inventory.offer.respond", args=[line.pk]), {"doses": 200}, follow=True
    )

    assert messages_of(response) == [
        f"200 doses accepted: they are allocated to {home.location.name} for the week."
    ]
    line.refresh_from_db()
    assert (line.status, line.doses_accepted, line.allocation.doses) == (
        OfferStatus.PARTLY_ACCEPTED,
        200,
        200,
    )


def test_provider_accepting_more_than_offered_is_refused(client, home):
    line = offer(location=home.location, doses=300)
    client.force_login(home.admin)

    response = client.post(reverse("provider:inventory.offer.respond", args=[line.pk]), {"doses": 310})

    assert response.context["form"].errors == {"doses": ["Ensure this value is less than or equal to 300."]}
    assert not Allocation.objects.exists()


def test_another_organizations_offer_is_not_found(client, home, personas):
    line = offer(location=LocationFactory())
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    assert client.get(reverse("provider:inventory.offer.respond", args=[line.pk])).status_code == 404
    assert list(client.get(reverse("provider:inventory.offers")).context["offers"]) == []


# --- Redistribution ----------------------------------------------------------------------------


def test_provider_offers_doses_another_requests_and_the_state_approves(client, home, personas):
    _location, lot = stock(location=home.location, doses=40)
    client.force_login(home.admin)
    stock_row = selectors.lots_usable(location=home.location, product=lot.product).get()
    response = client.post(
        reverse("provider:inventory.surplus.post"),
        {"stock": stock_row.pk, "doses": 25, "note": "Clinic cancelled"},
    )
    assert response.url == reverse("provider:inventory.surplus")
    posting = SurplusPosting.objects.get()

    other_admin = personas.other[Role.PROVIDER_ADMIN]
    other_location = LocationFactory(organization=personas.organizations["other_provider"])
    client.force_login(other_admin)
    offered = client.get(reverse("provider:inventory.surplus")).context["offered"]
    assert [(p.pk, p.left) for p in offered] == [(posting.pk, 25)]
    client.post(
        reverse("provider:inventory.surplus.request", args=[posting.pk]),
        {"location": other_location.pk, "doses": 20},
    )
    asked = RedistributionRequest.objects.get()

    client.force_login(home.state)
    assert list(client.get(reverse("state:inventory.redistribution")).context["requests"]) == [asked]
    response = client.post(
        reverse("state:inventory.redistribution.decide", args=[asked.pk]),
        {"decision": "approve"},
        follow=True,
    )

    assert messages_of(response) == ["The request was approved and the doses moved."]
    assert selectors.stock_on_hand(location=home.location, lot=lot) == 20
    assert selectors.stock_on_hand(location=other_location, lot=lot) == 20


def test_state_refuses_a_request_and_nothing_moves(client, home):
    location, lot = stock(location=home.location, doses=40)
    posting = surplus_post(location=location, lot=lot, doses=10, by=None)
    asked = redistribution_request(posting=posting, location=LocationFactory(), doses=10, by=None)
    client.force_login(home.state)

    response = client.post(
        reverse("state:inventory.redistribution.decide", args=[asked.pk]),
        {"decision": "refuse", "note": "Not needed"},
        follow=True,
    )

    assert messages_of(response) == ["The request was refused; nothing moved."]
    asked.refresh_from_db()
    assert (asked.status, asked.decision_note) == (RedistributionStatus.REFUSED, "Not needed")
    assert selectors.stock_on_hand(location=location, lot=lot) == 40


def test_provider_can_not_request_its_own_doses_nor_withdraw_anothers(client, home, personas):
    location, lot = stock(location=home.location, doses=40)
    own = surplus_post(location=location, lot=lot, doses=10, by=None)
    elsewhere_location, elsewhere_lot = stock(doses=10)
    elsewhere = surplus_post(location=elsewhere_location, lot=elsewhere_lot, doses=5, by=None)
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    assert client.get(reverse("provider:inventory.surplus.request", args=[own.pk])).status_code == 404
    assert client.post(reverse("provider:inventory.surplus.withdraw", args=[elsewhere.pk])).status_code == 404


def test_request_of_more_than_is_left_shows_the_reason(client, home):
    location, lot = stock(doses=40)
    posting = surplus_post(location=location, lot=lot, doses=10, by=None)
    client.force_login(home.admin)

    response = client.post(
        reverse("provider:inventory.surplus.request", args=[posting.pk]),
        {"location": home.location.pk, "doses": 11},
    )

    assert "Only 10 doses of this offer are left; 11 were asked for." in response.content.decode()
    assert not RedistributionRequest.objects.exists()


# --- List pages: the same queries for few and many rows ---------------------------------------


def _add_supply_rows(home, n):
    product = ProductFactory()
    for _ in range(n):
        location = LocationFactory()
        _location, lot = stock(location=location, lot=LotFactory(product=product), doses=20)
        posting = surplus_post(location=location, lot=lot, doses=5, by=None)
        redistribution_request(posting=posting, location=home.location, doses=1, by=None)
        mine = surplus_post(
            location=home.location, lot=stock(location=home.location, doses=5)[1], doses=5, by=None
        )
        redistribution_request(posting=mine, location=location, doses=1, by=None)
        line = offer(location=home.location, product=product)
        AllocationPlanLineFactory(plan=line.plan, location=location)


@pytest.mark.parametrize(
    ("url_name", "persona"),
    [
        ("state:inventory.plans", "state"),
        ("state:inventory.redistribution", "state"),
        ("provider:inventory.offers", "admin"),
        ("provider:inventory.surplus", "admin"),
    ],
)
def test_supply_lists_run_the_same_queries_for_few_and_many_rows(
    client, home, url_name, persona, django_assert_num_queries
):
    client.force_login(getattr(home, persona))
    url = reverse(url_name)
    _add_supply_rows(home, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _add_supply_rows(home, 6)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_plan_page_runs_the_same_queries_for_few_and_many_lines(client, home, django_assert_num_queries):
    line = AllocationPlanLineFactory()
    client.force_login(home.state)
    url = reverse("state:inventory.plan", args=[line.plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        AllocationPlanLineFactory(plan=line.plan)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_vaccinator_sees_the_offers_and_postings_without_the_buttons_to_act(client, home):
    line = offer(location=home.location)
    location, lot = stock(doses=20)
    surplus_post(location=location, lot=lot, doses=5, by=None)
    client.force_login(home.vaccinator)

    offers = client.get(reverse("provider:inventory.offers"))
    surplus = client.get(reverse("provider:inventory.surplus"))

    assert list(offers.context["offers"]) == [line]
    assert reverse("provider:inventory.offer.respond", args=[line.pk]) not in offers.content.decode()
    assert len(surplus.context["offered"]) == 1
    assert "/request/" not in surplus.content.decode()
    assert client.get(reverse("provider:inventory.offer.respond", args=[line.pk])).status_code == 403
