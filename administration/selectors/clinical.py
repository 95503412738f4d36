"""What the clinical evaluator (`administration.clinical`) is given: the series rules of the
products and a person's doses, read from the database in a fixed number of queries.

    evaluation = person_evaluation(recipient)          # every dose's verdict, and what's next
    evaluation.forecast.dose_number, .earliest, .recommended, .past_due

A product without a `SeriesRule` row is read from its own catalogue fields (doses in the series,
minimum interval, dose volume): no age limits, no booster.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from administration.clinical import DoseGiven, Evaluation, SeriesRule, evaluate
from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from inventory.models import Product
from inventory.models import SeriesRule as SeriesRuleRow
from recipients.models import Recipient


def rule_of(product: Product, row: SeriesRuleRow | None = None) -> SeriesRule:
    """The evaluator's copy of one product's rules (its row, else its catalogue fields)."""
    if row is None:
        return SeriesRule(
            product_id=product.pk,
            name=product.name,
            cvx=product.cvx,
            primary_doses=product.series_doses or 1,
            min_interval_days=product.min_interval_days,
            recommended_interval_days=product.min_interval_days,
            dose_volume_ml=product.dose_volume_ml,
        )
    return SeriesRule(
        product_id=product.pk,
        name=product.name,
        cvx=product.cvx,
        vaccine=row.vaccine,
        primary_doses=row.primary_doses,
        min_interval_days=row.min_interval_days,
        recommended_interval_days=row.recommended_interval_days,
        min_age_months=row.min_age_months,
        max_age_months=row.max_age_months,
        dose_volume_ml=row.dose_volume_ml,
        completes=frozenset(other.pk for other in row.completes.all()),
        booster_interval_days=row.booster_interval_days,
        grace_days=row.grace_days,
    )


# Within `series_rules_kept()`: the rules read once, for the rest of the block.
_kept: ContextVar[dict | None] = ContextVar("series_rules_kept", default=None)


@contextmanager
def series_rules_kept():
    """Within the block, `series_rules()` reads the catalogue's rules once: a booking asks the
    forecaster and the age limits several times in one request, and the rules don't change
    under it (an edit in the admin is seen by the next request)."""
    if _kept.get() is not None:
        yield
        return
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def series_rules() -> dict[int, SeriesRule]:
    """Every product's rules, by product id (three queries; the catalogue is small; once per
    `series_rules_kept` block)."""
    kept = _kept.get()
    if kept is None:
        return _series_rules_read()
    if not kept:
        kept.update(_series_rules_read())
    return kept


def _series_rules_read() -> dict[int, SeriesRule]:
    rows = {
        row.product_id: row
        for row in SeriesRuleRow.objects.prefetch_related(
            Prefetch("completes", queryset=Product.objects.only("pk"))
        )
    }
    return {product.pk: rule_of(product, rows.get(product.pk)) for product in Product.objects.all()}


def standing_records(recipients: Iterable[Recipient] | None = None):
    """The doses that stand: given (not refused), not voided."""
    records = AdministrationRecord.objects.filter(refused=False).exclude(status=RecordStatus.VOIDED)
    if recipients is not None:
        records = records.filter(recipient__in=list(recipients))
    return records


def dose_of(record: AdministrationRecord) -> DoseGiven:
    return DoseGiven(
        given_on=timezone.localdate(record.administered_at),
        product_id=record.product_id,
        volume_ml=record.volume_ml,
        dose_number=record.dose_number,
        historical=record.historical,
        ref=record.pk,
    )


def doses_given(recipient: Recipient, *, exclude_pk: int | None = None) -> list[DoseGiven]:
    """`recipient`'s doses as the evaluator reads them (recorded, back-filled, historical)."""
    records = (
        standing_records([recipient])
        .exclude(pk=exclude_pk)
        .only("pk", "administered_at", "product_id", "volume_ml", "dose_number", "historical")
    )
    return [dose_of(record) for record in records]


def person_evaluation(
    recipient: Recipient,
    *,
    today: date | None = None,
    rules: dict[int, SeriesRule] | None = None,
    start_with: Product | None = None,
) -> Evaluation:
    """Every dose of `recipient` judged, and what is due next."""
    return evaluate(
        date_of_birth=recipient.date_of_birth,
        doses=doses_given(recipient),
        rules=rules if rules is not None else series_rules(),
        today=today or timezone.localdate(),
        start_with=start_with.pk if start_with is not None else None,
    )


def evaluations_of(
    recipients: Iterable[Recipient], *, today: date | None = None, rules: dict[int, SeriesRule] | None = None
) -> dict[int, Evaluation]:
    """Many people's evaluations at once (for lists and reports): one query for their doses."""
    recipients = list(recipients)
    rules = rules if rules is not None else series_rules()
    doses: dict[int, list[DoseGiven]] = {recipient.pk: [] for recipient in recipients}
    records = standing_records(recipients).only(
        "pk", "recipient_id", "administered_at", "product_id", "volume_ml", "dose_number", "historical"
    )
    for record in records:
        doses[record.recipient_id].append(dose_of(record))
    today = today or timezone.localdate()
    return {
        recipient.pk: evaluate(
            date_of_birth=recipient.date_of_birth, doses=doses[recipient.pk], rules=rules, today=today
        )
        for recipient in recipients
    }
