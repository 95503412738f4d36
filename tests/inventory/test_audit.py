"""Inventory's audit trail: the changes made on its pages record who made them and from where."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cvms.models import AuditEvent
from inventory import selectors
from inventory.models import Transfer
from inventory.services.allocations import allocation_create
from tests.factories import LocationFactory
from tests.inventory.factories import ProductFactory

pytestmark = pytest.mark.django_db


def receipt(**overrides):
    return {
        "lot_number": "EW0150",
        "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "doses_received": "100",
        "doses_damaged": "0",
        "received_on": timezone.localdate().isoformat(),
        **overrides,
    }


def test_inventory_changes_made_on_the_pages_record_the_senders_address(client, home):
    allocation = allocation_create(
        week=timezone.localdate(), product=ProductFactory(), location=home.location, doses=100, by=home.state
    )
    elsewhere = LocationFactory()
    client.force_login(home.admin)

    client.post(
        reverse("provider:inventory.shipment.receive", args=[allocation.shipment.pk]),
        receipt(doses_received="10"),
        REMOTE_ADDR="203.0.113.9",
    )
    stock_row = selectors.stock_levels(location=home.location).get()
    client.post(
        reverse("provider:inventory.transfer.create"),
        {"stock": stock_row.pk, "to_location": elsewhere.pk, "doses": 4},
        REMOTE_ADDR="203.0.113.9",
    )
    client.force_login(home.state)
    transfer = Transfer.objects.get()
    client.post(
        reverse("state:inventory.transfer.decide", args=[transfer.pk]),
        {"decision": "approve"},
        REMOTE_ADDR="198.51.100.4",
    )

    assert dict(
        AuditEvent.objects.filter(action__startswith="inventory.").values_list("action", "ip_address")
    ) == {
        "inventory.allocation.created": None,  # made by the service directly, without a request
        "inventory.lot.registered": "203.0.113.9",
        "inventory.shipment.received": "203.0.113.9",
        "inventory.transfer.requested": "203.0.113.9",
        "inventory.transfer.approved": "198.51.100.4",
    }
