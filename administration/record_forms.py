"""Forms of the dose records."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.record_enums import Route, Site


class DoseForm(forms.Form):
    lot = forms.ModelChoiceField(queryset=None, label=_("Lot"), empty_label=None)
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

    def __init__(self, *args, stocks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = stocks
        self.fields["lot"].label_from_instance = lambda stock: (
            f"{stock.lot.number} · {stock.lot.product.name} · "
            + str(_("exp. %(date)s · %(n)s on hand") % {"date": stock.lot.expires_on, "n": stock.on_hand})
        )
        self.fields["administered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
