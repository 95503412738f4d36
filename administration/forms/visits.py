"""Forms of a visit at the point of care: a walk-in who isn't registered yet, registered by the
vaccinator before their dose; the next dose booked before the person leaves."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.interface import counties_for_zip
from enrollment.models import County
from recipients.enums import Sex

OLDEST_AGE_YEARS = 130


class WalkInRegistrationForm(forms.Form):
    """What a walk-in's record needs before a dose: their name, date of birth, sex and address
    (the county follows from the ZIP code when it names one); contact details when they have
    them. The location is where the vaccinator is registering them (one of theirs)."""

    location = forms.ModelChoiceField(queryset=None, label=_("Location"), empty_label=None)
    first_name = forms.CharField(label=_("Legal first name"), max_length=150)
    middle_name = forms.CharField(label=_("Middle name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Legal last name"), max_length=150)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    street = forms.CharField(label=_("Street address"), max_length=200)
    street_2 = forms.CharField(label=_("Apartment, suite, etc."), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State"), max_length=2, initial="NC")
    zip_code = forms.CharField(
        label=_("ZIP code"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=County.objects.all(),
        required=False,
        help_text=_("Leave empty: it is found from the ZIP code when the ZIP code is in one county."),
    )
    email = forms.EmailField(label=_("E-mail address (optional)"), required=False)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("The date of birth can't be in the future."))
        if value < date(today.year - OLDEST_AGE_YEARS, 1, 1):
            raise forms.ValidationError(_("Check the year of birth."))
        return value

    def clean_state(self):
        value = self.cleaned_data["state"].strip().upper()
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise forms.ValidationError(_("Enter the two-letter state code (NC)."))
        return value

    def clean_zip_code(self):
        value = self.cleaned_data["zip_code"].strip()
        digits = value.replace("-", "")
        if not (value.isascii() and digits.isdigit() and len(digits) in (5, 9)):
            raise forms.ValidationError(_("Enter a ZIP code of 5 digits (or ZIP+4)."))
        return value

    def clean(self):
        cleaned = super().clean()
        zip_code, county = cleaned.get("zip_code"), cleaned.get("county")
        if zip_code:
            counties = counties_for_zip(zip_code)
            if county is None and len(counties) == 1:
                cleaned["county"] = County.objects.get(pk=counties[0])
            elif county is not None and counties and county.pk not in counties:
                self.add_error(
                    "county",
                    _("ZIP code %(zip)s is not in %(county)s: check the ZIP code or the county.")
                    % {"zip": zip_code, "county": county.display_name},
                )
        for name in ("first_name", "middle_name", "last_name", "street", "street_2", "city", "phone"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].strip()
        return cleaned

    def person(self) -> dict:
        """The person's details, as recipients' `recipient_create_by_staff` takes them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "location"}
