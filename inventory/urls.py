"""URLs of the inventory app, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from cvms.roles import Portal
from inventory.views import provider, provider_supply, state, state_supply

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
        path("inventory/offers/", provider_supply.OfferListView.as_view(), name="inventory.offers"),
        path(
            "inventory/offers/<int:plan_line_pk>/",
            provider_supply.OfferRespondView.as_view(),
            name="inventory.offer.respond",
        ),
        path("inventory/surplus/", provider_supply.SurplusView.as_view(), name="inventory.surplus"),
        path(
            "inventory/surplus/new/", provider_supply.SurplusPostView.as_view(), name="inventory.surplus.post"
        ),
        path(
            "inventory/surplus/<int:posting_pk>/withdraw/",
            provider_supply.SurplusWithdrawView.as_view(),
            name="inventory.surplus.withdraw",
        ),
        path(
            "inventory/surplus/<int:offered_posting_pk>/request/",
            provider_supply.SurplusRequestView.as_view(),
            name="inventory.surplus.request",
        ),
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
        path(
            "inventory/allocations/<int:allocation_pk>/change/",
            state_supply.AllocationChangeView.as_view(),
            name="inventory.allocation.change",
        ),
        path(
            "inventory/allocations/<int:allocation_pk>/cancel/",
            state_supply.AllocationCancelView.as_view(),
            name="inventory.allocation.cancel",
        ),
        path(
            "inventory/allocations/<int:allocation_pk>/ship/",
            state_supply.AllocationShipView.as_view(),
            name="inventory.allocation.ship",
        ),
        path("inventory/plans/", state_supply.PlanListView.as_view(), name="inventory.plans"),
        path("inventory/plans/new/", state_supply.PlanCreateView.as_view(), name="inventory.plan.create"),
        path("inventory/plans/<int:plan_pk>/", state_supply.PlanDetailView.as_view(), name="inventory.plan"),
        path(
            "inventory/plans/<int:plan_pk>/publish/",
            state_supply.PlanPublishView.as_view(),
            name="inventory.plan.publish",
        ),
        path(
            "inventory/plans/<int:plan_pk>/reallocate/",
            state_supply.PlanReallocateView.as_view(),
            name="inventory.plan.reallocate",
        ),
        path(
            "inventory/plan-lines/<int:plan_line_pk>/",
            state_supply.PlanLineAdjustView.as_view(),
            name="inventory.plan.line",
        ),
        path(
            "inventory/redistribution/",
            state_supply.RedistributionListView.as_view(),
            name="inventory.redistribution",
        ),
        path(
            "inventory/redistribution/<int:redistribution_pk>/decide/",
            state_supply.RedistributionDecideView.as_view(),
            name="inventory.redistribution.decide",
        ),
    ],
}
