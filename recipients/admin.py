from django.contrib import admin

from recipients.models import ScreeningQuestion


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    """The state's screening questions, asked at registration (operators configure them here)."""

    list_display = ["code", "position", "text_en", "is_active"]
    list_editable = ["position", "is_active"]
