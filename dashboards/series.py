"""When a dose starts or completes a person's series: the one place the dashboards decide it.

The SQL equivalent of the clinical evaluator (`administration.clinical`), kept consistent with it:
a dose record keeps the evaluator's verdict from when it was recorded (`valid`), and a valid dose
is numbered by its place in the series, so the valid dose whose number is the product's doses in
the primary series (its `inventory.SeriesRule`, else the catalogue's `Product.series_doses`)
completes it: the second dose of a two-dose product, the first of a one-dose product. A booster
(a number past the series) doesn't complete it again; a dose kept as not valid counts for nothing.
After a change here, the summaries' next full rebuild (`manage.py refresh_dashboards --full`)
counts the new way everywhere.
"""

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from inventory.models import SeriesRule


def starts_series() -> Q:
    """A filter on `AdministrationRecord` for the doses that start their person's series."""
    return Q(valid=True, dose_number=1)


def completes_series() -> Q:
    """A filter on `AdministrationRecord` for the doses that complete their person's series."""
    # A subquery, not a join through `product__series_rule`: a filter would join it INNER and
    # leave out the products without a rule.
    primary = Subquery(
        SeriesRule.objects.filter(product_id=OuterRef("product_id")).values("primary_doses")[:1]
    )
    return Q(valid=True, dose_number=Coalesce(primary, F("product__series_doses")))
