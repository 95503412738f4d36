"""Acceptance 1, through the real pages in Chromium: the state allocates to a location; the
provider receives the shipment, submits an inventory levels report with a wasted dose, and sees
stock on hand match the ledger."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cvms.roles import Role
from inventory import selectors
from tests.clients import SignInClient
from tests.factories import LocationFactory, OrganizationFactory, UserFactory, member
from tests.inventory.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wake_county"),
]


def sign_in_as(page, live_server, user) -> None:
    """Sign `user` in by giving the browser a session made by Django's test client (the state
    official's TOTP step is tested by the core; this test is about inventory's pages)."""
    client = SignInClient()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_allocation_received_counted_and_matching_the_ledger(page, live_server):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    provider = OrganizationFactory(name="Wake Community Health")
    location = LocationFactory(organization=provider, name="Raleigh clinic", refrigerated_capacity=1000)
    admin = member(provider, Role.PROVIDER_ADMIN)
    product = ProductFactory(name="Browser vaccine")
    expiry = timezone.localdate() + timedelta(days=120)

    # The state allocates 100 doses for this week.
    sign_in_as(page, live_server, official)
    page.goto(f"{live_server.url}/state/inventory/allocations/new/")
    page.locator("select[name=product]").select_option(label=str(product))
    page.locator("select[name=location]").select_option(value=str(location.pk))
    page.get_by_role("button", name="Show the location's figures").click()
    assert "Room left" in page.content()
    page.get_by_label("Doses").fill("100")
    page.get_by_role("button", name="Allocate", exact=True).click()
    page.wait_for_url(f"{live_server.url}/state/inventory/allocations/")
    assert "100 doses of Browser vaccine allocated to Raleigh clinic." in page.content()

    # The provider receives the shipment.
    sign_in_as(page, live_server, admin)
    page.goto(f"{live_server.url}/provider/inventory/shipments/")
    page.get_by_role("link", name="Receive").click()
    page.get_by_label("Lot number").fill("BRW001")
    page.get_by_label("Expiry date").fill(expiry.isoformat())
    page.get_by_label("Doses received in good condition").fill("100")
    page.get_by_role("button", name="Receive into stock").click()
    page.wait_for_url(f"{live_server.url}/provider/inventory/")
    assert "The shipment was received into stock." in page.content()

    # The inventory levels report: 99 counted, 1 wasted (broken vial).
    page.get_by_role("link", name="Inventory levels form").click()
    page.get_by_label("Doses on hand (counted), lot BRW001").fill("99")
    page.get_by_label("Doses wasted, lot BRW001").fill("1")
    page.get_by_label("Reason, lot BRW001").select_option(label="Broken vial or syringe")
    page.get_by_role("button", name="Submit inventory levels").click()
    page.wait_for_url(f"{live_server.url}/provider/inventory/")
    assert "The inventory levels were recorded." in page.content()

    # Stock on hand matches the ledger, on the page and in the database.
    row = page.locator('tr[data-lot="BRW001"]')
    assert row.locator('[data-col="on-hand"]').inner_text() == "99"
    assert row.locator('[data-col="ledger"]').inner_text() == "99"
    assert selectors.stock_on_hand(location=location) == 99 == selectors.ledger_total(location=location)
    page.get_by_role("link", name="Ledger").click()
    kinds = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds == ["Wasted", "Received"]
