"""URLs of the inventory app, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from cvms.roles import Portal
from inventory.views import provider, state

portals = {
    Portal.PROVIDER: [
        path("inventory/", provider.StockView.as_view(), name="inventory.stock"),
        path(
            "inventory/locations/<int:location_pk>/ledger/",
            provider.LedgerView.as_view(),
            name="inventory.ledger",
        ),
        path(
            "inventory/locations/<int:location_pk>/ledger.csv",
            provider.LedgerCsvView.as_view(),
            name="inventory.ledger.csv",
        ),
        path(
            "inventory/locations/<int:location_pk>/inventory-levels/",
            provider.InventoryLevelsView.as_view(),
            name="inventory.levels",
        ),
        path(
            "inventory/locations/<int:location_pk>/wastage.pdf",
            provider.WastageReportPdfView.as_view(),
            name="inventory.wastage.pdf",
        ),
        path("inventory/shipments/", provider.ShipmentListView.as_view(), name="inventory.shipments"),
        path(
            "inventory/shipments/record/",
            provider.ShipmentRecordView.as_view(),
            name="inventory.shipment.record",
        ),
        path(
            "inventory/shipments/<int:shipment_pk>/receive/",
            provider.ShipmentReceiveView.as_view(),
            name="inventory.shipment.receive",
        ),
        path("inventory/transfers/", provider.TransferListView.as_view(), name="inventory.transfers"),
        path(
            "inventory/transfers/new/",
            provider.TransferCreateView.as_view(),
            name="inventory.transfer.create",
        ),
        path("inventory/wastage/", provider.WastageView.as_view(), name="inventory.wastage"),
    ],
    Portal.STATE: [
        path("inventory/", state.StateStockView.as_view(), name="inventory.stock"),
        path("inventory/allocations/", state.AllocationListView.as_view(), name="inventory.allocations"),
        path(
            "inventory/allocations/new/",
            state.AllocationCreateView.as_view(),
            name="inventory.allocation.create",
        ),
        path("inventory/products/", state.ProductListView.as_view(), name="inventory.products"),
        path("inventory/products/new/", state.ProductCreateView.as_view(), name="inventory.product.create"),
        path("inventory/transfers/", state.TransferApprovalListView.as_view(), name="inventory.transfers"),
        path(
            "inventory/transfers/<int:transfer_pk>/decide/",
            state.TransferDecideView.as_view(),
            name="inventory.transfer.decide",
        ),
        path("inventory/wastage/", state.StateWastageView.as_view(), name="inventory.wastage"),
    ],
}
