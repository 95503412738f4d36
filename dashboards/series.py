"""When a dose completes a person's series: the one place the dashboards decide it.

Until the clinical rules' series evaluator lands, a dose completes the series when its number is
the product's doses-in-series from the catalogue (`Product.series_doses`): the second dose of a
two-dose product, the first of a one-dose product. A booster (a number past the series) doesn't
complete it again. Switch this function, and the summaries' next full rebuild
(`manage.py refresh_dashboards --full`) counts the new way everywhere.
"""

from django.db.models import F, Q


def completes_series() -> Q:
    """A filter on `AdministrationRecord` for the doses that complete their person's series."""
    return Q(dose_number=F("product__series_doses"))
