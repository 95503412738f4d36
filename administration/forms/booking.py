"""The recipient's clinic search."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from administration.forms.widgets import DateInput
from enrollment.models import County

ZIP_CODE = re.compile(r"[0-9]{5}")  # and what follows (a ZIP+4); "²" and "٣" are digits too, not ASCII


class FindClinicsForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=County.objects.all(), required=False)
    zip_code = forms.CharField(label=_("or ZIP code"), max_length=10, required=False)
    day = forms.DateField(label=_("Date (optional)"), widget=DateInput(), required=False)

    def clean_zip_code(self):
        value = self.cleaned_data["zip_code"].strip()
        if value and not ZIP_CODE.match(value):
            raise forms.ValidationError(_("Enter a ZIP code of 5 digits."))
        return value
