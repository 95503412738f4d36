from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.enums import Severity
from cvms.widgets import QuickSelect
from dashboards.selectors import Filters
from enrollment.interface import county_options
from enrollment.models import County, PriorityGroup
from inventory.models import Product

DEFAULT_DAYS = 28
LONGEST_RANGE = 366


class FiltersForm(forms.Form):
    """The filters every dashboard offers, read from the query string (so a filtered dashboard
    is a link). Left out, the range is the last four weeks and the rest is everything."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    county = forms.ModelChoiceField(
        County.objects.all(),
        label=_("County"),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect(option_rows=county_options),
    )
    product = forms.ModelChoiceField(
        Product.objects.all(), label=_("Product"), required=False, empty_label=_("All"), widget=QuickSelect
    )
    group = forms.ModelChoiceField(
        PriorityGroup.objects.all(),
        label=_("Priority group"),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = (
                f"{css} form-control-sm" if css == "form-control" else "form-select form-select-sm"
            )

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The range starts after it ends."))
        if (end - start).days >= LONGEST_RANGE:
            raise forms.ValidationError(_("Choose a range of at most a year."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters asked for, or the defaults when the form has errors."""
        if self.is_valid():
            data = self.cleaned_data
            return Filters(
                start=data["start"],
                end=data["end"],
                county=data["county"],
                product=data["product"],
                group=data["group"],
            )
        end = timezone.localdate()
        return Filters(start=end - timedelta(DEFAULT_DAYS - 1), end=end)


class AdverseEventFiltersForm(FiltersForm):
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All")), *Severity.choices], widget=QuickSelect
    )


class LagForm(forms.Form):
    county = forms.ModelChoiceField(
        County.objects.all(),
        label=_("County"),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect(attrs={"class": "form-select form-select-sm"}, option_rows=county_options),
    )
    silent_days = forms.IntegerField(
        label=_("Silent for at least (days)"),
        min_value=1,
        max_value=90,
        initial=3,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )
