"""Forms of the dose records: a dose, a refusal, a correction, a void, an adverse event, a walk-in's
search."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.enums import FundingSource, RefusalReason, Route, Severity, Site, VfcEligibility
from administration.services.recording import VFC_AGE_LIMIT, DoseDetails
from recipients.models import age_on


def dose_volume(product) -> Decimal | None:
    """The product's dose volume as recorded: the catalogue keeps 3 decimals, a record 2 (0.30 mL)."""
    if product.dose_volume_ml is None:
        return None
    return product.dose_volume_ml.quantize(Decimal("0.01"))


class _DoseDetailsForm(forms.Form):
    """The details of a dose given, as a vaccinator records them and an administrator corrects them."""

    dose_number = forms.IntegerField(label=_("Dose number"), min_value=1, max_value=6)
    administered_at = forms.DateTimeField(
        label=_("Date and time given"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    route = forms.ChoiceField(label=_("Route"), choices=Route.choices, initial=Route.INTRAMUSCULAR)
    site = forms.ChoiceField(label=_("Site"), choices=Site.choices, initial=Site.LEFT_DELTOID)
    volume_ml = forms.DecimalField(label=_("Dose volume (mL)"), max_digits=4, decimal_places=2, min_value=0)
    product_exception = forms.CharField(
        label=_("Allowed exception, if the product differs from the first dose's"),
        required=False,
        max_length=200,
    )
    vfc_eligibility = forms.ChoiceField(
        label=_("VFC eligibility"),
        choices=[("", _("By age: not VFC eligible from 19")), *VfcEligibility.choices],
        required=False,
    )
    funding_source = forms.ChoiceField(
        label=_("Funding source"),
        choices=[("", _("By vaccine: federal for COVID-19")), *FundingSource.choices],
        required=False,
    )
    vis_barcode = forms.CharField(
        label=_("Vaccine information statement (VIS) given: its barcode"),
        help_text=_("Scan the barcode on the sheet the person was given, or type its digits."),
        required=False,
        max_length=30,
    )
    vis_edition = forms.DateField(
        label=_("VIS edition date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    vis_given_on = forms.DateField(
        label=_("VIS given on"),
        help_text=_("Leave empty if it was given on the day of the dose."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    identity_checked = forms.BooleanField(
        label=_("I checked the person's identity document"),
        help_text=_("Only then does the person's SMART Health Card say their identity was checked."),
        required=False,
    )
    invalid_reason = forms.CharField(
        label=_("Documented reason, if the dose is not valid for this person"),
        help_text=_(
            "Leave empty: a dose out of sequence, too early, for a person too young, or at another "
            "volume than the product's dose is refused. With a reason it is kept, marked not valid, "
            "and reported as invalid."
        ),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # What DoseDetails takes from the form besides the dose itself.
    EXTRAS = (
        "vfc_eligibility",
        "funding_source",
        "vis_barcode",
        "vis_edition",
        "vis_given_on",
        "identity_checked",
        "invalid_reason",
    )

    def __init__(self, *args, recipient=None, **kwargs):
        super().__init__(*args, **kwargs)
        if recipient is not None and age_on(recipient.date_of_birth, timezone.localdate()) < VFC_AGE_LIMIT:
            # A child's eligibility depends on their insurance: only the vaccinator can ask.
            field = self.fields["vfc_eligibility"]
            field.required = True
            field.choices = [("", "---------"), *VfcEligibility.choices]
            field.help_text = _("Under 19: ask about the child's insurance (Vaccines for Children).")
        self.fields["administered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_vis_barcode(self):
        value = self.cleaned_data["vis_barcode"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("Scan the barcode, or type the digits printed under it."))
        return value

    def extras(self) -> dict:
        """The funding, VIS and identity-check answers and the reason for a dose that isn't
        valid, as DoseDetails takes them."""
        return {name: self.cleaned_data[name] for name in self.EXTRAS}

    def dose_details(self, *, product, lot, volume_ml: Decimal | None = None) -> DoseDetails:
        """The dose as the recording services take it: of `product` (the clinic's, or the lot's),
        from `lot`, with the answers of this form; `volume_ml` when none was typed."""
        data = self.cleaned_data
        return DoseDetails(
            product=product,
            lot=lot,
            dose_number=data["dose_number"],
            administered_at=data["administered_at"],
            route=data["route"],
            site=data["site"],
            volume_ml=data["volume_ml"] if data["volume_ml"] is not None else volume_ml,
            product_exception=data["product_exception"],
            **self.extras(),
        )


class DoseForm(_DoseDetailsForm):
    """A dose taken from the stock on hand: `stock` is the `Stock` row (a lot at this location)
    the vaccinator chose; the person sees it as the lot."""

    stock = forms.ModelChoiceField(queryset=None, label=_("Lot"), empty_label=None)

    field_order = ["stock"]

    def __init__(self, *args, stocks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = stocks
        self.fields["stock"].label_from_instance = lambda stock: (
            f"{stock.lot.number} · {stock.lot.product.name} · "
            + str(_("exp. %(date)s · %(n)s on hand") % {"date": stock.lot.expires_on, "n": stock.on_hand})
        )


class RefusalForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for the refusal"),
        choices=RefusalReason.choices,
        initial=RefusalReason.PATIENT_DECISION,
    )
    refused_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"] = forms.ModelChoiceField(
                queryset=products, label=_("Vaccine offered"), empty_label=None
            )
        self.fields["refused_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class CorrectionForm(_DoseDetailsForm):
    """A recorded dose's details, corrected by a provider administrator, with the reason: `lot`
    is the `Lot` (the stock moves between lots and locations, when they change, in the service)."""

    location = forms.ModelChoiceField(queryset=None, label=_("Location"), empty_label=None)
    lot = forms.ModelChoiceField(queryset=None, label=_("Lot"), empty_label=None)
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["location", "lot", "dose_number", "administered_at", "route", "site", "volume_ml"]

    def __init__(self, *args, lots, locations, recipient=None, **kwargs):
        super().__init__(*args, recipient=recipient, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["lot"].queryset = lots
        self.fields["lot"].label_from_instance = lambda lot: (
            f"{lot.number} · {lot.product.name} · {lot.expires_on}"
        )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding the record"), widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_("I understand the record stays, marked void, and the dose goes back into stock."),
        required=True,
    )


class AdverseEventForm(forms.Form):
    onset_at = forms.DateTimeField(
        label=_("Onset (date and time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reported_to_vaers = forms.BooleanField(label=_("Reported to VAERS"), required=False)
    vaers_number = forms.CharField(label=_("VAERS report number"), required=False, max_length=30)

    def clean(self):
        data = super().clean()
        if data.get("reported_to_vaers") and not data.get("vaers_number", "").strip():
            self.add_error("vaers_number", _("Give the VAERS report number."))
        return data


class HistoricalDoseForm(forms.Form):
    """A dose given elsewhere, entered from the person's own records (a vaccination card)."""

    product = forms.ModelChoiceField(queryset=None, label=_("Vaccine given"), empty_label=None)
    given_on = forms.DateField(label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"}))
    invalid_reason = forms.CharField(
        label=_("Documented reason, if the dose is not valid for this person"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products  # every product: a card may show an old one


class RecordSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, lot or form number"), required=False, max_length=100)


class WalkInSearchForm(forms.Form):
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
