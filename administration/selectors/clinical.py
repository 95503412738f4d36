"""What the clinical evaluator (`administration.clinical`) is given: the series rules of the
products and a person's doses, read from the database in a fixed number of queries.

    evaluation = person_evaluation(recipient)          # every dose's verdict, and what's next
    evaluation.forecast.dose_number, .earliest, .recommended, .past_due

A product without a `SeriesRule` row is read from its own catalogue fields (doses in the series,
minimum interval, dose volume): no age limits, no booster.
"""

import time
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import transaction
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


# The catalogue's rules as this process read them last: (when, by product id). The catalogue is
# small and changes rarely (an operator's edit in the admin), while every booking and every dose
# recorded asks for it: reading it costs three queries and about a hundred model instances, so
# a web process reads it once and keeps it. A change saved in this process forgets it at once
# (`series_rules_forget`, connected to the models' signals in administration/apps.py) and again
# when its transaction commits; another process's copy is read again once it is
# SERIES_RULES_MAX_AGE seconds old, so an edit reaches every web process within that time.
SERIES_RULES_MAX_AGE = 60.0
_process_rules: tuple[float, dict[int, SeriesRule]] | None = None

# Within `series_rules_kept()`: one copy of the rules for the whole block.
_kept: ContextVar[dict | None] = ContextVar("series_rules_kept", default=None)


@contextmanager
def series_rules_kept():
    """Within the block, `series_rules()` answers with one copy of the rules: a booking asks the
    forecaster and the age limits several times in one request, and they all judge by the
    same rules even if the process's copy is read again meanwhile."""
    if _kept.get() is not None:
        yield
        return
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def series_rules() -> dict[int, SeriesRule]:
    """Every product's rules, by product id: the process's copy (three queries when it is read
    again; see SERIES_RULES_MAX_AGE). The dict is shared: read it, never change it."""
    kept = _kept.get()
    if kept:
        return kept
    rules = _rules_of_the_process()
    if kept is not None:
        kept.update(rules)
    return rules


def _rules_of_the_process() -> dict[int, SeriesRule]:
    global _process_rules
    now = time.monotonic()
    held = _process_rules
    if held is not None and now - held[0] < SERIES_RULES_MAX_AGE:
        return held[1]
    rules = _series_rules_read()
    _process_rules = (now, rules)
    return rules


def series_rules_forget(**kwargs) -> None:
    """Forget the process's copy of the rules, now and when the current transaction commits (a
    read between the save and the commit could keep what a rollback then undoes). A receiver of
    the catalogue's signals (administration/apps.py)."""
    global _process_rules
    _process_rules = None
    transaction.on_commit(_forget_now, using=kwargs.get("using"))


def _forget_now() -> None:
    global _process_rules
    _process_rules = None


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
