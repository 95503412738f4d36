"""Forms of the provider's clinic pages: schedule a clinic, check a person in."""

from datetime import time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.forms.widgets import DateInput, TimeInput
from enrollment.enums import OrganizationStatus
from enrollment.models import Organization, PriorityGroup
from inventory.interface import products_active


class ClinicForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None)
    product = forms.ModelChoiceField(label=_("Vaccine"), queryset=None)
    day = forms.DateField(label=_("Date"), widget=DateInput())
    opens_at = forms.TimeField(label=_("Opens at"), widget=TimeInput(), initial=time(9, 0))
    closes_at = forms.TimeField(label=_("Closes at"), widget=TimeInput(), initial=time(17, 0))
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"), min_value=5, max_value=240, initial=15
    )
    slot_capacity = forms.IntegerField(label=_("People per slot"), min_value=1, max_value=500, initial=5)
    is_public = forms.BooleanField(
        label=_("Open to the public (every eligible person)"), required=False, initial=True
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Or only for the invited people of"),
        queryset=Organization.objects.filter(status=OrganizationStatus.APPROVED),
        required=False,
    )
    priority_groups = forms.ModelMultipleChoiceField(
        label=_("Or only for the priority groups"), queryset=PriorityGroup.objects.all(), required=False
    )
    notes = forms.CharField(
        label=_("Notes for the people booking"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["product"].queryset = products_active()

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("A clinic can't be scheduled in the past."))
        return day

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        if (
            not cleaned.get("is_public")
            and not cleaned.get("organizations")
            and not cleaned.get("priority_groups")
        ):
            self.add_error(
                "is_public",
                _("Choose organizations or priority groups for a clinic that isn't open to the public."),
            )
        return cleaned


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Confirmation code"), max_length=12)


class ClinicCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the people booked)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
