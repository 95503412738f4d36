"""The recipient's clinic search."""

from django import forms
from django.utils.translation import gettext_lazy as _

from administration.forms.widgets import DateInput
from enrollment.models import County


class FindClinicsForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=County.objects.all(), required=False)
    zip_code = forms.CharField(label=_("or ZIP code"), max_length=10, required=False)
    day = forms.DateField(label=_("Date (optional)"), widget=DateInput(), required=False)

    def clean_zip_code(self):
        value = self.cleaned_data["zip_code"].strip()
        if value and (not value[:5].isdigit() or len(value) < 5):
            raise forms.ValidationError(_("Enter a ZIP code of 5 digits."))
        return value
