"""The inventory app's menus (read by cvms.hooks)."""

from django.utils.translation import gettext_lazy as _

from cvms.roles import Portal

MENU = {
    Portal.PROVIDER.value: [
        (_("Stock"), "provider:inventory.stock"),
        (_("Shipments"), "provider:inventory.shipments"),
        (_("Transfers"), "provider:inventory.transfers"),
        (_("Allocation offers"), "provider:inventory.offers"),
        (_("Redistribution"), "provider:inventory.surplus"),
        (_("Wastage"), "provider:inventory.wastage"),
    ],
    Portal.STATE.value: [
        (_("Allocations"), "state:inventory.allocations"),
        (_("Allocation plans"), "state:inventory.plans"),
        (_("Stock"), "state:inventory.stock"),
        (_("Products"), "state:inventory.products"),
        (_("Transfers"), "state:inventory.transfers"),
        (_("Redistribution"), "state:inventory.redistribution"),
        (_("Wastage"), "state:inventory.wastage"),
    ],
}
