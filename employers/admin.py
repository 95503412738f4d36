from django.contrib import admin

from employers.models import Invitation, Invitee, RosterUpload


@admin.register(RosterUpload)
class RosterUploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "organization", "status", "rows_read", "rows_valid", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["organization", "uploaded_by"]


@admin.register(Invitee)
class InviteeAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "organization", "status"]
    list_filter = ["status"]
    search_fields = ["email", "last_name"]
    raw_id_fields = ["organization", "created_by_upload", "last_upload"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["invitee", "status", "sent_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["status"]
    raw_id_fields = ["invitee", "upload"]
    exclude = ["key"]  # the link's secret stays out of the admin
