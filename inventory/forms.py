"""Forms of the inventory pages. They validate input; the services decide and write."""

from datetime import timedelta

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cvms.inputs import is_ascii_digits
from cvms.widgets import QuickSelect
from enrollment.interface import county_options
from enrollment.models import County, Location
from inventory import selectors
from inventory.enums import MovementKind, WasteReason
from inventory.models import Product, Stock

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, location):
        return f"{location.name} — {location.organization.name} ({location.county.name})"


# --- State -------------------------------------------------------------------------------------


class AllocationForm(forms.Form):
    week = forms.DateField(
        label=_("Week starting"), widget=DATE_INPUT, help_text=_("Any day of the week; the Monday is kept.")
    )
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    location = LocationChoiceField(label=_("Location"), queryset=Location.objects.none())
    doses = forms.IntegerField(label=_("Doses"), min_value=1, required=False)

    def __init__(self, *args, require_doses: bool = False, **kwargs):
        """`require_doses`: False while the official is looking at a location's figures (GET),
        True when allocating (POST)."""
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.products_active()
        self.fields["location"].queryset = selectors.locations_allocatable().order_by("name", "id")
        self.fields["doses"].required = require_doses


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "cvx",
            "mvx",
            "manufacturer",
            "ndc",
            "ndc_unit_of_sale",
            "presentation",
            "doses_per_vial",
            "dose_volume_ml",
            "storage_class",
            "storage_temperature",
            "beyond_use_after_thaw",
            "beyond_use_after_puncture",
            "series_doses",
            "min_interval_days",
            "notes",
        ]
        widgets = {
            "storage_temperature": forms.Textarea(attrs={"rows": 2}),
            "beyond_use_after_thaw": forms.Textarea(attrs={"rows": 2}),
            "beyond_use_after_puncture": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_ndc(self):
        ndc = self.cleaned_data["ndc"].strip()
        parts = ndc.split("-")
        if len(parts) != 3 or not all(is_ascii_digits(part) for part in parts) or len("".join(parts)) != 11:
            raise forms.ValidationError(_("Write the NDC in its 5-4-2 form, such as 59267-1000-01."))
        return ndc


def product_options(products) -> list[tuple[int, str]]:
    """The product select's options read as rows (QuickSelect's `option_rows`)."""
    return [(pk, Product.label(name, ndc)) for pk, name, ndc in products.values_list("pk", "name", "ndc")]


class StateStockFilterForm(forms.Form):
    """The state stock page's filters, drawn as plain fields with Bootstrap's classes rather than
    through crispy (a third of the page's CPU, issue 18); the selects read only what their
    labels show."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.only("name", "ndc"),
        required=False,
        widget=QuickSelect(attrs={"class": "form-select"}, option_rows=product_options),
    )
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=County.objects.only("name", "name_es"),
        required=False,
        widget=QuickSelect(attrs={"class": "form-select"}, option_rows=county_options),
    )
    lot = forms.CharField(
        label=_("Lot number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # this form's own copy of the field and its widget
                self.fields[name].widget.attrs["class"] += " is-invalid"


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


# --- Provider ----------------------------------------------------------------------------------


class ReceiptFields(forms.Form):
    """What the person receiving a shipment reads off the cartons."""

    lot_number = forms.CharField(label=_("Lot number"), max_length=30)
    expires_on = forms.DateField(label=_("Expiry date"), widget=DATE_INPUT)
    doses_received = forms.IntegerField(label=_("Doses received in good condition"), min_value=0)
    doses_damaged = forms.IntegerField(label=_("Doses damaged"), min_value=0, initial=0)
    temperature_excursion = forms.BooleanField(
        label=_("The temperature monitor shows an excursion in transit"), required=False
    )
    notes = forms.CharField(
        label=_("Condition notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The date can't be in the future."))
        return received_on


class ShipmentReceiveForm(ReceiptFields):
    pass


class ShipmentRecordForm(ReceiptFields):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    source = forms.CharField(label=_("Received from"), max_length=200)

    field_order = ["location", "product", "source"]

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["product"].queryset = selectors.products_active()


class StockChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stock):
        return _("%(location)s — %(product)s, lot %(lot)s (%(n)s on hand, exp. %(date)s)") % {
            "location": stock.location.name,
            "product": stock.lot.product.name,
            "lot": stock.lot.number,
            "n": stock.on_hand,
            "date": stock.lot.expires_on.isoformat(),
        }


class TransferForm(forms.Form):
    stock = StockChoiceField(label=_("Doses from"), queryset=Stock.objects.none())
    to_location = LocationChoiceField(label=_("To location"), queryset=Location.objects.none())
    doses = forms.IntegerField(label=_("Doses"), min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = (
            Stock.objects.filter(location__organization=organization, on_hand__gt=0)
            .select_related("location", "lot__product")
            .order_by("location__name", "lot__expires_on")
        )
        self.fields["to_location"].queryset = selectors.locations_allocatable().order_by(
            "organization__name", "name"
        )
        self.fields["to_location"].help_text = _(
            "A location of another organization receives the doses once the state approves."
        )


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *MovementKind.choices], required=False)
    lot = forms.CharField(label=_("Lot number"), required=False, max_length=30)
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["since"].initial = today.replace(day=1) - timedelta(days=0)
        self.fields["until"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


class InventoryLevelsForm(forms.Form):
    """The paper "Inventory Levels" form: one row per lot on hand at the location."""

    counted_on = forms.DateField(label=_("Counted on"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, stocks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_on"].initial = timezone.localdate()
        self.stocks = list(stocks)
        reasons = [("", _("— no waste —")), *WasteReason.choices]
        for stock in self.stocks:
            lot = stock.lot
            self.fields[f"counted_{lot.pk}"] = forms.IntegerField(
                label=_("Doses on hand (counted), lot %(lot)s") % {"lot": lot.number}, min_value=0
            )
            self.fields[f"wasted_{lot.pk}"] = forms.IntegerField(
                label=_("Doses wasted, lot %(lot)s") % {"lot": lot.number}, min_value=0, initial=0
            )
            self.fields[f"reason_{lot.pk}"] = forms.ChoiceField(
                label=_("Reason, lot %(lot)s") % {"lot": lot.number}, choices=reasons, required=False
            )
            self.fields[f"note_{lot.pk}"] = forms.CharField(
                label=_("Note, lot %(lot)s") % {"lot": lot.number}, required=False, max_length=200
            )

    def clean_counted_on(self):
        counted_on = self.cleaned_data["counted_on"]
        if counted_on > timezone.localdate():
            raise forms.ValidationError(_("The count can't be dated in the future."))
        return counted_on

    def clean(self):
        data = super().clean()
        for stock in self.stocks:
            pk = stock.lot.pk
            if data.get(f"wasted_{pk}") and not data.get(f"reason_{pk}"):
                self.add_error(f"reason_{pk}", _("Give the reason the doses were wasted."))
        return data

    def rows(self):
        """For the template: each lot with its bound fields."""
        return [
            {
                "stock": stock,
                "counted": self[f"counted_{stock.lot.pk}"],
                "wasted": self[f"wasted_{stock.lot.pk}"],
                "reason": self[f"reason_{stock.lot.pk}"],
                "note": self[f"note_{stock.lot.pk}"],
                "fields": [
                    self[f"{name}_{stock.lot.pk}"] for name in ("counted", "wasted", "reason", "note")
                ],
            }
            for stock in self.stocks
        ]

    def lines(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "lot": stock.lot,
                "counted": data[f"counted_{stock.lot.pk}"],
                "wasted": data.get(f"wasted_{stock.lot.pk}") or 0,
                "waste_reason": data.get(f"reason_{stock.lot.pk}") or "",
                "note": data.get(f"note_{stock.lot.pk}") or "",
            }
            for stock in self.stocks
        ]


# --- Allocation plans, corrections and redistribution (issue 15) -------------------------------

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanForm(forms.Form):
    week = forms.DateField(
        label=_("Week starting"), widget=DATE_INPUT, help_text=_("Any day of the week; the Monday is kept.")
    )
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    supply = forms.IntegerField(label=_("Doses to allocate"), min_value=1, max_value=10_000_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.products_active()


class PlanLineForm(forms.Form):
    doses = forms.IntegerField(label=_("Doses"), min_value=0, max_value=10_000_000)


class DeadlineForm(forms.Form):
    respond_by = forms.DateTimeField(
        label=_("Locations answer by"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["respond_by"].initial = (timezone.localtime() + timedelta(days=2)).replace(
            minute=0, second=0, microsecond=0
        )


class AllocationChangeForm(forms.Form):
    doses = forms.IntegerField(label=_("Doses"), min_value=1, max_value=10_000_000)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class AllocationCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)


class OfferAnswerForm(forms.Form):
    doses = forms.IntegerField(
        label=_("Doses you accept"),
        min_value=0,
        help_text=_("All of them, some (whole vials), or 0 to decline the offer."),
    )

    def __init__(self, *args, offered: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doses"].max_value = offered
        self.fields["doses"].validators.append(MaxValueValidator(offered))
        self.fields["doses"].widget.attrs["max"] = offered
        self.fields["doses"].initial = offered


class SurplusPostForm(forms.Form):
    stock = StockChoiceField(label=_("Doses of"), queryset=Stock.objects.none())
    doses = forms.IntegerField(
        label=_("Doses you can't use before they expire"), min_value=1, max_value=1_000_000
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = (
            Stock.objects.filter(
                location__in=locations, on_hand__gt=0, lot__expires_on__gte=timezone.localdate()
            )
            .select_related("location", "lot__product")
            .order_by("lot__expires_on", "location__name")
        )


class RedistributionRequestForm(forms.Form):
    location = forms.ModelChoiceField(label=_("For location"), queryset=Location.objects.none())
    doses = forms.IntegerField(label=_("Doses"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations.filter(is_active=True).order_by("name")


class RedistributionDecisionForm(TransferDecisionForm):
    pass
