from django.contrib import admin

from enrollment.models import Location, Organization


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "pin", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "pin"]
    inlines = [LocationInline]
