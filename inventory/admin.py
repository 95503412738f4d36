from django.contrib import admin

from inventory.models import Allocation, Lot, Product, SeriesRule, Shipment, StockMovement


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "cvx", "mvx", "ndc", "storage_class", "is_active"]
    list_filter = ["is_active", "storage_class", "mvx"]
    search_fields = ["name", "ndc", "cvx"]


@admin.register(SeriesRule)
class SeriesRuleAdmin(admin.ModelAdmin):
    """The series rules the clinical evaluator reads (administration.clinical): operators correct
    them here when an authorization changes."""

    list_display = [
        "product",
        "vaccine",
        "primary_doses",
        "min_interval_days",
        "recommended_interval_days",
        "min_age_months",
        "max_age_months",
        "dose_volume_ml",
        "booster_interval_days",
    ]
    list_filter = ["vaccine", "primary_doses"]
    search_fields = ["product__name", "product__ndc", "product__cvx"]
    list_select_related = ["product"]
    filter_horizontal = ["completes"]
    raw_id_fields = ["product"]


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ["number", "product", "expires_on"]
    search_fields = ["number"]
    list_select_related = ["product"]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Read-only: the ledger is changed through the services only."""

    list_display = ["at", "location", "lot", "kind", "quantity", "reason"]
    list_filter = ["kind"]
    list_select_related = ["location", "lot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Allocation)
admin.site.register(Shipment)
