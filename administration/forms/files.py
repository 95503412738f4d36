"""Forms that ask for a file: registry exports (state) and printed forms (provider)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.reporting import cvrs
from administration.services.files import MAX_BLANK_FORMS


class CvrsExportForm(forms.Form):
    """A daily file (the records created or changed on a day), or every record given in a period;
    de-identified unless the state's agreement allows an identified extract."""

    day = forms.DateField(
        label=_("Daily file of"),
        help_text=_("The records created or changed that day, whenever given. Leave empty for a period."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start = forms.DateField(
        label=_("Or given from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    extract_type = forms.ChoiceField(
        label=_("Extract"),
        choices=[
            (cvrs.ExtractType.DEIDENTIFIED, _("De-identified: names and street addresses redacted")),
            (cvrs.ExtractType.IDENTIFIED, _("Identified, where the data agreement allows it")),
        ],
        initial=cvrs.ExtractType.DEIDENTIFIED,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        data["extract_type"] = data.get("extract_type") or cvrs.ExtractType.DEIDENTIFIED
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        today = timezone.localdate()
        if day:
            if start or end:
                self.add_error("day", _("Ask for a daily file or a period, not both."))
            elif day > today:
                self.add_error("day", _("The day can't be in the future."))
            return data
        if not start and "start" not in self.errors:
            self.add_error("start", _("Give the day of a daily file, or the start and end of a period."))
        if not end and "end" not in self.errors:
            self.add_error("end", _("Give the end of the period."))
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        if end and end > today:
            self.add_error("end", _("The end can't be in the future."))
        return data

    def params(self) -> dict:
        """The job's parameters."""
        data = self.cleaned_data
        if data.get("day"):
            return {"day": data["day"].isoformat(), "extract_type": data["extract_type"]}
        return {
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "extract_type": data["extract_type"],
        }


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
