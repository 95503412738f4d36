"""The core's forms: the audit log's filters."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    """The audit log's filters (a GET form); every field is optional."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.EmailField(label=_("Actor's e-mail"), required=False)
    action = forms.CharField(
        label=_("Action"), required=False, max_length=100, help_text=_("The start is enough: account.")
    )
    target_type = forms.CharField(label=_("Target type"), required=False, max_length=100)
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    ip_address = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict:
        """The filters given, as `audit_events` takes them (call after is_valid())."""
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}

    def filters_for_audit(self) -> dict[str, str]:
        """The same, as text, for the audit event that records this search."""
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in self.filters().items()
        }
