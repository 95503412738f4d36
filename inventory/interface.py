"""What the apps above inventory (recipients, administration, helpdesk) may call: the functions
and errors of inventory that other apps use, gathered from where they live. An app above imports
`inventory.interface` and nothing else of inventory, apart from `inventory.models` and
`inventory.enums`, which are shared as they are (fields, querysets, choices). import-linter holds
the apps above to it (pyproject.toml).

Administration moves stock when it records or voids a dose (`stock_administer`, `stock_return`,
refused with `InventoryError`, or `InsufficientStock` when the lot has too few doses;
`stock_rows_lock` first when a correction moves a dose between lots), reads stock for booking,
recording, back-fill and the registry exports, and records the demo's shipments, and makes the
printable wasted/expired report in its export jobs (`wasted_movements`, `wastage_report_pdf`:
inventory's wastage page asks through the `wastage_report_request` hook point). (It tells
inventory how many appointments are booked ahead through the `booked_appointments` hook point
of cvms/hooks.py, not through this module.)
"""

from inventory.exports import wastage_report_pdf
from inventory.selectors import (
    doses_expected,
    lot_find,
    lots_usable,
    products_active,
    stock_levels,
    stock_on_hand,
    stock_usable,
    wasted_movements,
)
from inventory.services.bulk import DoseOut, stock_administer_many
from inventory.services.counts import inventory_report_submit
from inventory.services.errors import InsufficientStock, InventoryError
from inventory.services.ledger import stock_administer, stock_return, stock_rows_lock
from inventory.services.shipments import shipment_record

__all__ = [
    "DoseOut",
    "InsufficientStock",
    "InventoryError",
    "doses_expected",
    "inventory_report_submit",
    "lot_find",
    "lots_usable",
    "products_active",
    "shipment_record",
    "stock_administer",
    "stock_administer_many",
    "stock_levels",
    "stock_on_hand",
    "stock_return",
    "stock_rows_lock",
    "stock_usable",
    "wastage_report_pdf",
    "wasted_movements",
]
