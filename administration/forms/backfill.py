"""The back-fill screen (the paper form, field for field) and the CSV upload."""

from django import forms
from django.utils.translation import gettext_lazy as _

from administration.offline.fields import FIELDS


class LocationField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=None, label=_("Where the doses were given"), empty_label=None, **kwargs)


class PaperFormForm(forms.Form):
    """One paper form: its fields as text, in the paper's order, checked by the back-fill service
    (the same checks as a CSV line)."""

    location = LocationField()

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        for field in FIELDS:
            if field.choices is not None:
                self.fields[field.key] = forms.ChoiceField(
                    label=field.label, required=field.required, choices=field.choices
                )
            else:
                self.fields[field.key] = forms.CharField(
                    label=field.label, required=field.required, help_text=field.hint, max_length=200
                )
        self.sections = {}
        for field in FIELDS:
            self.sections.setdefault(field.section, []).append(self[field.key])


class BackfillUploadForm(forms.Form):
    location = LocationField()
    file = forms.FileField(
        label=_("CSV file of paper forms"),
        help_text=_("UTF-8, one form per line, with the header row of the template."),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it."))
        return upload
