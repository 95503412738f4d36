"""Forms that ask for a file: registry exports (state) and printed forms (provider)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.services.files import MAX_BLANK_FORMS


class CvrsExportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        if data.get("end") and data["end"] > timezone.localdate():
            self.add_error("end", _("The end can't be in the future."))
        return data


class Hl7ExportForm(forms.Form):
    since_last = forms.BooleanField(
        label=_("Only records new or changed since the last export"), required=False, initial=True
    )


class AckFileForm(forms.Form):
    MAX_BYTES = 50 * 1024 * 1024

    file = forms.FileField(
        label=_("The registry's acknowledgement file (HL7 ACK)"),
        help_text=_("One ACK per message sent, as the registry returned them."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


class BlankFormsForm(forms.Form):
    location = forms.ModelChoiceField(queryset=None, label=_("Location"), empty_label=None)
    count = forms.IntegerField(label=_("Number of forms"), min_value=1, max_value=MAX_BLANK_FORMS, initial=20)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations


class ClinicFormsForm(forms.Form):
    clinic = forms.ModelChoiceField(queryset=None, label=_("Clinic"), empty_label=None)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinic"].label_from_instance = lambda c: (
            f"{c.date:%Y-%m-%d} · {c.location.name} · {c.product.name}"
        )


class InventoryLevelsForm(forms.Form):
    location = forms.ModelChoiceField(queryset=None, label=_("Location"), empty_label=None)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
