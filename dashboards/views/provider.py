"""The provider's own dashboard: doses given per day and per location, stock and days of
supply, clinics ahead and how full they are — for the locations the person may work at
(`request.locations`), never another organization's."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cvms.access import ProviderPortalView
from dashboards import charts, selectors
from dashboards.enums import DoseDimension, SupplyKind
from dashboards.models import DoseDay, SupplyDay
from inventory.models import Stock

DAYS = 28


class ProviderDashboardView(ProviderPortalView, TemplateView):
    template_name = "dashboards/provider.html"

    def get_context_data(self, **kwargs):
        locations = list(self.request.locations)
        today = timezone.localdate()
        start = today - timedelta(DAYS - 1)
        names = {location.pk: location.name for location in locations}
        ids = [str(pk) for pk in names]
        per_day = {start + timedelta(days): [0] * len(locations) for days in range(DAYS)}
        index = {str(location.pk): number for number, location in enumerate(locations)}
        rows = (
            DoseDay.objects.filter(
                dimension=DoseDimension.LOCATION, value__in=ids, day__gte=start, day__lte=today
            )
            .values("day", "value")
            .annotate(n=Sum("doses"))
            .order_by()
        )
        for row in rows:
            per_day[row["day"]][index[row["value"]]] = row["n"]
        series = [names[location.pk] for location in locations]
        title = _("Doses given per day")
        return super().get_context_data(**kwargs) | {
            "title": title,
            "chart": charts.stacked_columns(list(per_day.items()), series=series or ["-"], title=title),
            "columns": series,
            "per_day": [(day, values, sum(values)) for day, values in per_day.items()],
            "stock": self.stock(locations, today),
            "clinics": [
                (clinic, selectors.booked_share(clinic)) for clinic in selectors.clinics_ahead(locations)
            ],
        }

    def stock(self, locations, today) -> list[tuple]:
        on_hand = {
            (row["location_id"], row["lot__product__name"]): row["n"]
            for row in Stock.objects.filter(location__in=locations, on_hand__gt=0)
            .values("location_id", "lot__product__name")
            .annotate(n=Sum("on_hand"))
            .order_by()
        }
        given = {
            (row["location_id"], row["product__name"]): row["n"]
            for row in SupplyDay.objects.filter(
                location__in=locations,
                kind=SupplyKind.ADMINISTERED,
                day__gt=today - timedelta(selectors.RATE_DAYS),
            )
            .values("location_id", "product__name")
            .annotate(n=Sum("doses"))
            .order_by()
        }
        names = {location.pk: location.name for location in locations}
        return [
            (
                names[location_id],
                product,
                doses,
                selectors.days_of_supply(doses, given.get((location_id, product), 0) / selectors.RATE_DAYS),
            )
            for (location_id, product), doses in sorted(
                on_hand.items(), key=lambda item: (names[item[0][0]], item[0][1])
            )
        ]
