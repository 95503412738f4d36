"""The inventory app's menus and dashboard panels (read by cvms.hooks)."""

from django.utils.translation import gettext_lazy as _

from cvms.hooks import Panel
from inventory import selectors

MENU = {
    "provider": [
        (_("Stock"), "provider:inventory.stock"),
        (_("Shipments"), "provider:inventory.shipments"),
        (_("Transfers"), "provider:inventory.transfers"),
        (_("Wastage"), "provider:inventory.wastage"),
    ],
    "state": [
        (_("Allocations"), "state:inventory.allocations"),
        (_("Stock"), "state:inventory.stock"),
        (_("Products"), "state:inventory.products"),
        (_("Transfers"), "state:inventory.transfers"),
        (_("Wastage"), "state:inventory.wastage"),
    ],
}


def dashboard_panels(request) -> list[Panel]:
    if request.portal == "provider" and request.organization is not None:
        shipments = selectors.shipments_for(organization=request.organization)
        return [
            Panel(
                title=_("Inventory"),
                template="inventory/panels/provider.html",
                context={"expected": shipments.filter(status="expected").count()},
            )
        ]
    if request.portal == "state":
        return [
            Panel(
                title=_("Inventory"),
                template="inventory/panels/state.html",
                context={"transfers": selectors.transfers_awaiting_approval().count()},
            )
        ]
    return []
