"""The evaluator and forecaster of a person's doses, in the spirit of CDC's Clinical Decision
Support for Immunization (CDSi): one pure function, no database.

`evaluate` takes the person's date of birth, every dose they were given (recorded here,
back-filled from paper, or historical: given elsewhere) and the series rules of the products, and
answers:

- for each dose, whether it is valid and, when it isn't, why (each finding names the rule and what
  would have been valid);
- what is due next: which dose of the series, the earliest date it may be given, the recommended
  date, and whether it is past due.

Callers read the rules and the doses (`administration.selectors.clinical`) and hand them in;
booking, recording, back-fill, the recipient's pages and the reports all ask this module, so that
one set of rules decides.

How a series is read, dose by dose in the order they were given:
- the first valid dose starts the primary series and its product sets the series' rules (number
  of doses, intervals, booster); a later dose counts only if its product is the same vaccine (the
  same CVX code) or one the series' rules accept to complete it;
- a dose is measured against the dose given just before it, valid or not (CDSi: a dose given too
  early is repeated after the minimum interval from the dose given in error), with CDC's 4-day
  grace period for doses already given; the forecast's earliest date has no grace period
  (scheduling never uses it);
- the person's age on the day of the dose must be at least the product's minimum age and under
  its maximum age; the volume given must be the product's dose volume;
- a dose whose record claims a number (dose 2) counts only as the dose it really is in the series.
- after the primary series, one booster counts when the series' rules offer one, from its
  interval after the last primary dose; a dose after that is extra and not counted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

COVID_19 = "COVID-19"
GRACE_DAYS = 4  # CDC: a dose up to 4 days before the minimum interval or age still counts


@dataclass(frozen=True)
class SeriesRule:
    """The series rules of one product (a copy of `inventory.SeriesRule`, free of the ORM)."""

    product_id: int
    name: str
    cvx: str
    vaccine: str = COVID_19  # the disease the series protects from: doses of others are apart
    primary_doses: int = 1
    min_interval_days: int | None = None  # between the doses of the primary series
    recommended_interval_days: int | None = None
    min_age_months: int | None = None
    max_age_months: int | None = None  # the person must be younger than this
    dose_volume_ml: Decimal | None = None
    completes: frozenset[int] = frozenset()  # other products whose series this one may complete
    booster_interval_days: int | None = None  # None: no booster after the primary series
    grace_days: int = GRACE_DAYS

    def interval(self) -> int:
        return self.min_interval_days or 0

    def recommended(self) -> int:
        return max(self.recommended_interval_days or 0, self.interval())


@dataclass(frozen=True)
class DoseGiven:
    """One dose the person was given. `ref` is the caller's own key (a record's id)."""

    given_on: date
    product_id: int
    volume_ml: Decimal | None = None
    dose_number: int | None = None  # the number the record claims, if any
    historical: bool = False
    ref: object = None


class Finding(enum.StrEnum):
    """Why a dose is not valid (the value is the code kept on a record and in reports)."""

    UNKNOWN_PRODUCT = "unknown_product"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    TOO_EARLY = "too_early"
    WRONG_VOLUME = "wrong_volume"
    NOT_INTERCHANGEABLE = "not_interchangeable"
    OUT_OF_SEQUENCE = "out_of_sequence"
    EXTRA_DOSE = "extra_dose"


class Stage(enum.StrEnum):
    NOT_STARTED = "not_started"
    PRIMARY = "primary"  # the primary series is under way
    BOOSTER = "booster"  # the primary series is complete; a booster is due
    COMPLETE = "complete"  # nothing more is due


@dataclass(frozen=True)
class DoseEvaluation:
    dose: DoseGiven
    valid: bool
    series_dose: int | None  # which dose of the series it counts as (valid doses only)
    findings: tuple[tuple[Finding, str], ...] = ()  # (code, message for a person)
    position: int = 1  # the dose of the series it was given as (valid or not)

    @property
    def codes(self) -> tuple[Finding, ...]:
        return tuple(code for code, _message in self.findings)

    @property
    def message(self) -> str:
        return " ".join(message for _code, message in self.findings)


@dataclass(frozen=True)
class Forecast:
    stage: Stage
    dose_number: int | None = None  # the series' next dose (None when complete)
    is_booster: bool = False
    earliest: date | None = None
    recommended: date | None = None
    past_due: bool = False
    products: frozenset[int] = frozenset()  # the products that may be given (empty: any)

    @property
    def due(self) -> bool:
        return self.dose_number is not None


@dataclass(frozen=True)
class Evaluation:
    doses: tuple[DoseEvaluation, ...]
    forecast: Forecast
    series_product_id: int | None = None  # the product that started the series
    primary_complete: bool = False
    booster_given: bool = False

    @property
    def valid_doses(self) -> int:
        return sum(1 for dose in self.doses if dose.valid)

    def of(self, ref: object) -> DoseEvaluation | None:
        return next((dose for dose in self.doses if dose.dose.ref == ref), None)


# --- Dates ---------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the 29th-31st of a shorter month become its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


def _age_text(months: int) -> str:
    if months % 12 == 0:
        return _("%(n)s years") % {"n": months // 12}
    return _("%(n)s months") % {"n": months}


def _same_vaccine(series: SeriesRule, rule: SeriesRule) -> bool:
    return (
        rule.product_id == series.product_id or rule.cvx == series.cvx or series.product_id in rule.completes
    )


def _accepted_products(series: SeriesRule, rules: Mapping[int, SeriesRule]) -> frozenset[int]:
    return frozenset(pid for pid, rule in rules.items() if _same_vaccine(series, rule))


# --- Checks of one dose --------------------------------------------------------------------------


def _age_findings(rule: SeriesRule, date_of_birth: date, given_on: date) -> list[tuple[Finding, str]]:
    findings = []
    if rule.min_age_months:
        old_enough_on = add_months(date_of_birth, rule.min_age_months)
        if given_on < old_enough_on - timedelta(days=rule.grace_days):
            findings.append(
                (
                    Finding.TOO_YOUNG,
                    _("Too young: %(product)s is for people aged %(age)s or older (from %(date)s).")
                    % {"product": rule.name, "age": _age_text(rule.min_age_months), "date": old_enough_on},
                )
            )
    if rule.max_age_months and given_on >= add_months(date_of_birth, rule.max_age_months):
        findings.append(
            (
                Finding.TOO_OLD,
                _("Too old: %(product)s is for people younger than %(age)s.")
                % {"product": rule.name, "age": _age_text(rule.max_age_months)},
            )
        )
    return findings


def _volume_findings(rule: SeriesRule, volume: Decimal | None) -> list[tuple[Finding, str]]:
    if volume is None or rule.dose_volume_ml is None or Decimal(volume) == rule.dose_volume_ml:
        return []
    return [
        (
            Finding.WRONG_VOLUME,
            _("Wrong volume: a dose of %(product)s is %(dose)s mL, not %(given)s mL.")
            % {
                "product": rule.name,
                "dose": _decimal_text(rule.dose_volume_ml),
                "given": _decimal_text(Decimal(volume)),
            },
        )
    ]


def _decimal_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _interval_finding(
    *, interval: int, grace: int, previous: DoseGiven, given_on: date, what: str
) -> list[tuple[Finding, str]]:
    if not interval or given_on >= previous.given_on + timedelta(days=interval - grace):
        return []
    earliest = previous.given_on + timedelta(days=interval)
    return [
        (
            Finding.TOO_EARLY,
            _(
                "Too early: %(what)s can be given from %(date)s, %(days)s days after the dose of "
                "%(previous)s (this one is %(gap)s days after it)."
            )
            % {
                "what": what,
                "date": earliest,
                "days": interval,
                "previous": previous.given_on,
                "gap": (given_on - previous.given_on).days,
            },
        )
    ]


# --- The evaluator -------------------------------------------------------------------------------


@dataclass
class _Series:
    """Where the series stands while the doses are read in order."""

    rule: SeriesRule | None = None
    primary_given: int = 0
    booster_given: bool = False
    last_primary: DoseGiven | None = None
    previous: DoseGiven | None = None  # the dose given just before (valid or not)
    doses: list[DoseEvaluation] = field(default_factory=list)

    @property
    def primary_complete(self) -> bool:
        return self.rule is not None and self.primary_given >= self.rule.primary_doses

    def next_number(self) -> int:
        return self.primary_given + 1 + (1 if self.booster_given else 0)


def _sort_key(dose: DoseGiven):
    return (dose.given_on, dose.dose_number or 0)


def _evaluate_one(series: _Series, dose: DoseGiven, date_of_birth: date, rules: Mapping[int, SeriesRule]):
    rule = rules.get(dose.product_id)
    if rule is None:
        return DoseEvaluation(
            dose=dose,
            valid=False,
            series_dose=None,
            findings=((Finding.UNKNOWN_PRODUCT, _("This product has no series rules.")),),
            position=series.next_number(),
        )
    findings = _age_findings(rule, date_of_birth, dose.given_on) + _volume_findings(rule, dose.volume_ml)
    number = series.next_number()
    series_rule = series.rule or rule
    if series.rule is not None and not _same_vaccine(series.rule, rule):
        findings.append(
            (
                Finding.NOT_INTERCHANGEABLE,
                _("%(product)s can't complete a series started with %(first)s: give %(first)s.")
                % {"product": rule.name, "first": series.rule.name},
            )
        )
    if series.primary_complete and (series.booster_given or not series_rule.booster_interval_days):
        findings.append(
            (
                Finding.EXTRA_DOSE,
                _("Not needed: the series of %(product)s is complete.") % {"product": series_rule.name},
            )
        )
    elif series.previous is not None:
        booster = series.primary_complete
        interval = series_rule.booster_interval_days if booster else series_rule.interval()
        what = _("the booster") if booster else _("dose %(n)s") % {"n": number}
        findings += _interval_finding(
            interval=interval or 0,
            grace=series_rule.grace_days,
            previous=series.previous,
            given_on=dose.given_on,
            what=what,
        )
    if dose.dose_number is not None and dose.dose_number != number and not findings:
        findings.append(
            (
                Finding.OUT_OF_SEQUENCE,
                _("Out of sequence: this is dose %(n)s of the series, not dose %(claimed)s.")
                % {"n": number, "claimed": dose.dose_number},
            )
        )
    if findings:
        return DoseEvaluation(
            dose=dose, valid=False, series_dose=None, findings=tuple(findings), position=number
        )
    return DoseEvaluation(dose=dose, valid=True, series_dose=number, position=number)


# The next dose's interval is measured from the dose given just before it, valid or not (CDSi),
# except from a dose that wasn't a dose of the series at all, or whose volume was wrong (CDC: a
# dose of the wrong volume is repeated without waiting an interval).
_NOT_AN_INTERVAL_START = {Finding.UNKNOWN_PRODUCT, Finding.EXTRA_DOSE, Finding.WRONG_VOLUME}


def _advance(series: _Series, evaluation: DoseEvaluation, rules: Mapping[int, SeriesRule]) -> None:
    dose = evaluation.dose
    if evaluation.valid:
        if series.rule is None:
            series.rule = rules[dose.product_id]
        if series.primary_complete:
            series.booster_given = True
        else:
            series.primary_given += 1
            series.last_primary = dose
    if not set(evaluation.codes) & _NOT_AN_INTERVAL_START:
        series.previous = dose
    series.doses.append(evaluation)


def _forecast(
    series: _Series, date_of_birth: date, rules: Mapping[int, SeriesRule], today: date, start_with: int | None
) -> Forecast:
    rule = series.rule
    if rule is None:
        first = rules.get(start_with) if start_with is not None else None
        if first is None and series.previous is not None:
            first = rules.get(series.previous.product_id)
        earliest = date_of_birth
        if first is not None and first.min_age_months:
            earliest = add_months(date_of_birth, first.min_age_months)
        if series.previous is not None and first is not None and first.interval():
            # A first dose given in error (too young, wrong volume) is repeated after the interval.
            earliest = max(earliest, series.previous.given_on + timedelta(days=first.interval()))
        return Forecast(stage=Stage.NOT_STARTED, dose_number=1, earliest=earliest, recommended=earliest)
    if series.primary_complete and (series.booster_given or not rule.booster_interval_days):
        return Forecast(stage=Stage.COMPLETE)
    products = _accepted_products(rule, rules)
    if series.primary_complete:
        anchor = series.last_primary or series.previous
        earliest = anchor.given_on + timedelta(days=rule.booster_interval_days)
        recommended = earliest
        stage, is_booster = Stage.BOOSTER, True
    else:
        anchor = series.last_primary
        earliest = anchor.given_on + timedelta(days=rule.interval())
        recommended = anchor.given_on + timedelta(days=rule.recommended())
        stage, is_booster = Stage.PRIMARY, False
    if series.previous is not None and series.previous is not anchor:
        # The last dose was not valid: the repeat waits the interval from it too.
        wait = rule.booster_interval_days if is_booster else rule.interval()
        advised = rule.booster_interval_days if is_booster else rule.recommended()
        earliest = max(earliest, series.previous.given_on + timedelta(days=wait or 0))
        recommended = max(recommended, series.previous.given_on + timedelta(days=advised or 0))
    return Forecast(
        stage=stage,
        dose_number=series.next_number(),
        is_booster=is_booster,
        earliest=earliest,
        recommended=recommended,
        past_due=today > recommended,
        products=products,
    )


def _of_vaccine(doses: Iterable[DoseGiven], rules: Mapping[int, SeriesRule], vaccine: str) -> list[DoseGiven]:
    return [
        dose for dose in doses if dose.product_id not in rules or rules[dose.product_id].vaccine == vaccine
    ]


def evaluate(
    *,
    date_of_birth: date,
    doses: Iterable[DoseGiven],
    rules: Mapping[int, SeriesRule],
    today: date,
    start_with: int | None = None,
    vaccine: str = COVID_19,
) -> Evaluation:
    """Each dose's verdict and what is due next, for the series against `vaccine` (the doses of
    other vaccines are left out; a dose of a product without rules is kept, as not valid).
    `start_with` (a product id) sets the minimum age of a first dose when none was given yet
    (the product the person would be offered)."""
    series = _Series()
    for dose in sorted(_of_vaccine(doses, rules, vaccine), key=_sort_key):
        _advance(series, _evaluate_one(series, dose, date_of_birth, rules), rules)
    return Evaluation(
        doses=tuple(series.doses),
        forecast=_forecast(series, date_of_birth, rules, today, start_with),
        series_product_id=series.rule.product_id if series.rule else None,
        primary_complete=series.primary_complete,
        booster_given=series.booster_given,
    )


def dose_check(
    *, date_of_birth: date, doses: Iterable[DoseGiven], rules: Mapping[int, SeriesRule], candidate: DoseGiven
) -> DoseEvaluation:
    """Would `candidate` be valid after the doses already given? (Recording asks this before it
    writes a dose: the doses given after it, if any, are not taken into account.)"""
    vaccine = rules[candidate.product_id].vaccine if candidate.product_id in rules else COVID_19
    earlier = [dose for dose in _of_vaccine(doses, rules, vaccine) if _sort_key(dose) <= _sort_key(candidate)]
    series = _Series()
    for dose in sorted(earlier, key=_sort_key):
        _advance(series, _evaluate_one(series, dose, date_of_birth, rules), rules)
    return _evaluate_one(series, candidate, date_of_birth, rules)
