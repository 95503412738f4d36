"""The core's forms: sign-up's extra questions, the audit log's filters."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """What sign-up asks besides the e-mail address and the password (allauth's
    ACCOUNT_SIGNUP_FORM_CLASS): the person's name, which an enrollment application offers as its
    contact's name and checks its signature against. allauth's adapter saves both fields."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )

    field_order = ["first_name", "last_name"]

    def clean_first_name(self) -> str:
        return self._name("first_name")

    def clean_last_name(self) -> str:
        return self._name("last_name")

    def _name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError(_("This field is required."))
        if "@" in value:
            raise forms.ValidationError(_("Write your name here, not an e-mail address."))
        return value

    def signup(self, request, user) -> None:
        """allauth calls it once the user is saved; its adapter has already set the names."""


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
