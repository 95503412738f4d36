from django.contrib import admin

from recipients.models import Attestation, ScreeningQuestion


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    """The state's screening questions, asked at registration (operators configure them here)."""

    list_display = ["code", "position", "text_en", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    """People's word for their priority group: kept as said, never edited."""

    list_display = ["recipient", "priority_group", "kind", "attested_by", "attested_at"]
    list_filter = ["kind", "priority_group"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
