from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from enrollment.models import (
    ApplicationEvent,
    ApplicationLocation,
    ColleagueInvitation,
    EnrollmentApplication,
    IssuedPin,
    Location,
    Organization,
    PriorityGroup,
    ReadinessItem,
)


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "pin", "tax_id", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "pin", "tax_id"]
    inlines = [LocationInline]


@admin.register(Location)
class LocationAdmin(GuardedModelAdmin):
    list_display = ["name", "organization", "county", "site_type", "is_active"]
    # The type of site is blank for locations enrolled before it was asked (reported as UNK).
    list_filter = ["is_active", "site_type"]
    search_fields = ["name", "organization__name"]


@admin.register(ReadinessItem)
class ReadinessItemAdmin(admin.ModelAdmin):
    """The state edits the readiness checklist here."""

    list_display = ["text", "applies_to", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["applies_to", "is_active"]


class ApplicationLocationInline(admin.TabularInline):
    model = ApplicationLocation
    extra = 0


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ["action", "by", "at", "notes"]


@admin.register(EnrollmentApplication)
class EnrollmentApplicationAdmin(admin.ModelAdmin):
    """For operators; decisions are taken in the state portal (which audits them)."""

    list_display = ["legal_name", "kind", "status", "submitted_at", "applicant"]
    list_filter = ["kind", "status"]
    search_fields = ["legal_name", "tax_id", "applicant__email"]
    readonly_fields = ["status", "version", "organization", "decided_at", "decided_by"]
    inlines = [ApplicationLocationInline, ApplicationEventInline]


@admin.register(PriorityGroup)
class PriorityGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "position", "min_age", "max_age", "attestation", "is_open", "opens_at"]


@admin.register(IssuedPin)
class IssuedPinAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "from_vfc", "issued_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ColleagueInvitation)
class ColleagueInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "status", "expires_at"]
    list_filter = ["status"]
    exclude = ["nonce"]
