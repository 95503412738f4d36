"""The clinical evaluator and forecaster, from a table of cases (issue 14, acceptance 1).

Each case gives a person's date of birth, the doses they were given (day, product, volume, the dose
number the record claims, historical or not) and the day it is asked; it states the verdict of each
dose (`ok` or the finding that makes it not valid) and what is due next: the dose number, the
earliest and recommended dates and whether it is past due, or "complete". The rules are written
here, close to inventory/data/series_rules.csv (Moderna's recommended interval is 42 days here, so
that a recommended date apart from the earliest is tested).

Over 450 lines: the table of cases is one list, read top to bottom (ruff lays each case out on
several lines); split into files, it would hide which cases exist.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from administration.clinical import DoseGiven, SeriesRule, Stage, add_months, dose_check, evaluate

PFIZER, MODERNA, JANSSEN, NOVAVAX, PFIZER_KIDS, PFIZER_BABIES, FLU_HD, SPIKEVAX_2024, NO_RULES = range(1, 10)

RULES = {
    PFIZER: SeriesRule(
        product_id=PFIZER,
        name="Pfizer",
        cvx="208",
        primary_doses=2,
        min_interval_days=21,
        recommended_interval_days=21,
        min_age_months=144,
        dose_volume_ml=Decimal("0.3"),
        completes=frozenset({MODERNA}),
        booster_interval_days=150,
    ),
    MODERNA: SeriesRule(
        product_id=MODERNA,
        name="Moderna",
        cvx="207",
        primary_doses=2,
        min_interval_days=28,
        recommended_interval_days=42,
        min_age_months=216,
        dose_volume_ml=Decimal("0.5"),
        completes=frozenset({PFIZER}),
        booster_interval_days=150,
    ),
    JANSSEN: SeriesRule(
        product_id=JANSSEN,
        name="Janssen",
        cvx="212",
        primary_doses=1,
        min_age_months=216,
        dose_volume_ml=Decimal("0.5"),
        booster_interval_days=60,
    ),
    NOVAVAX: SeriesRule(
        product_id=NOVAVAX,
        name="Novavax",
        cvx="211",
        primary_doses=2,
        min_interval_days=21,
        recommended_interval_days=21,
        min_age_months=144,
        dose_volume_ml=Decimal("0.5"),
    ),
    PFIZER_KIDS: SeriesRule(
        product_id=PFIZER_KIDS,
        name="Pfizer 5-11",
        cvx="218",
        primary_doses=2,
        min_interval_days=21,
        recommended_interval_days=21,
        min_age_months=60,
        max_age_months=144,
        dose_volume_ml=Decimal("0.2"),
    ),
    PFIZER_BABIES: SeriesRule(
        product_id=PFIZER_BABIES,
        name="Pfizer 6 mo-4 y",
        cvx="219",
        primary_doses=3,
        min_interval_days=21,
        recommended_interval_days=21,
        min_age_months=6,
        max_age_months=60,
        dose_volume_ml=Decimal("0.2"),
    ),
    FLU_HD: SeriesRule(
        product_id=FLU_HD, name="Fluzone High-Dose", cvx="135", vaccine="Influenza", min_age_months=780
    ),
    SPIKEVAX_2024: SeriesRule(
        product_id=SPIKEVAX_2024,
        name="Spikevax 2024-2025",
        cvx="312",
        primary_doses=1,
        min_age_months=144,
        dose_volume_ml=Decimal("0.5"),
    ),
}

ADULT = date(1980, 5, 10)
TODAY = date(2021, 6, 1)


def d(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Case:
    name: str
    doses: list  # (given on, product, volume or None, claimed dose number or None[, historical])
    verdicts: list  # "ok" or a finding's code, one per dose in the order given
    due: tuple | str  # (dose number, earliest, recommended, past due) or "complete"
    dob: date = ADULT
    today: date = TODAY
    start_with: int | None = None


def dose(given_on, product, volume=None, number=None, historical=False, ref=None):
    return DoseGiven(
        given_on=d(given_on),
        product_id=product,
        volume_ml=Decimal(volume) if volume else None,
        dose_number=number,
        historical=historical,
        ref=ref if ref is not None else (given_on, product, number),
    )


CASES = [
    # --- nothing yet ----------------------------------------------------------------------------
    Case("no doses: dose 1 due now", [], [], (1, ADULT, ADULT, False)),
    Case(
        "no doses, offered Pfizer at 11: dose 1 from the 12th birthday",
        [],
        [],
        (1, d("2022-03-01"), d("2022-03-01"), False),
        dob=d("2010-03-01"),
        start_with=PFIZER,
    ),
    # --- Pfizer: 2 doses, 21 days ---------------------------------------------------------------
    Case(
        "Pfizer dose 1: dose 2 from day 21",
        [("2021-05-01", PFIZER, "0.3", 1)],
        ["ok"],
        (2, d("2021-05-22"), d("2021-05-22"), False),
        today=d("2021-05-10"),
    ),
    Case(
        "Pfizer dose 1, asked after the recommended day: past due",
        [("2021-05-01", PFIZER, "0.3", 1)],
        ["ok"],
        (2, d("2021-05-22"), d("2021-05-22"), True),
        today=d("2021-05-23"),
    ),
    Case(
        "Pfizer dose 1, asked on the recommended day: not yet past due",
        [("2021-05-01", PFIZER, "0.3", 1)],
        ["ok"],
        (2, d("2021-05-22"), d("2021-05-22"), False),
        today=d("2021-05-22"),
    ),
    Case(
        "Pfizer 2 doses 21 days apart: complete, booster after 150 days",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-22", PFIZER, "0.3", 2)],
        ["ok", "ok"],
        (3, d("2021-06-21"), d("2021-06-21"), False),
    ),
    Case(
        "Pfizer dose 2 on day 17 (grace period's first day): valid",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-18", PFIZER, "0.3", 2)],
        ["ok", "ok"],
        (3, d("2021-06-17"), d("2021-06-17"), False),
    ),
    Case(
        "Pfizer dose 2 on day 16 (one day before the grace period): too early; repeat 21 days after it",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-17", PFIZER, "0.3", 2)],
        ["ok", "too_early"],
        (2, d("2021-02-07"), d("2021-02-07"), True),
    ),
    Case(
        "Pfizer invalid dose 2, then a valid repeat 21 days after it",
        [
            ("2021-01-01", PFIZER, "0.3", 1),
            ("2021-01-10", PFIZER, "0.3", 2),
            ("2021-01-31", PFIZER, "0.3", 2),
        ],
        ["ok", "too_early", "ok"],
        (3, d("2021-06-30"), d("2021-06-30"), False),
    ),
    Case(
        "Pfizer invalid dose 2, repeat too soon after the invalid one: not valid either",
        [
            ("2021-01-01", PFIZER, "0.3", 1),
            ("2021-01-10", PFIZER, "0.3", 2),
            ("2021-01-25", PFIZER, "0.3", 2),
        ],
        ["ok", "too_early", "too_early"],
        (2, d("2021-02-15"), d("2021-02-15"), True),
    ),
    Case(
        "Pfizer at 5 mL: wrong volume, repeat dose 1 at once",
        [("2021-05-20", PFIZER, "5", 1)],
        ["wrong_volume"],
        (1, ADULT, ADULT, False),
    ),
    Case(
        "Pfizer at 0.15 mL (half): wrong volume",
        [("2021-05-01", PFIZER, "0.15", 1), ("2021-05-01", PFIZER, "0.3", 1)],
        ["wrong_volume", "ok"],
        (2, d("2021-05-22"), d("2021-05-22"), True),
    ),
    Case(
        "Pfizer volume not recorded: judged on the rest",
        [("2021-05-01", PFIZER, None, 1)],
        ["ok"],
        (2, d("2021-05-22"), d("2021-05-22"), True),
    ),
    # --- the walk-in of issue 14: dose 2 with no dose 1, then dose 1 at 5 mL ----------------------
    Case(
        "dose 2 recorded with no dose 1: out of sequence; dose 1 again 21 days after it",
        [("2021-05-20", PFIZER, "0.3", 2)],
        ["out_of_sequence"],
        (1, d("2021-06-10"), d("2021-06-10"), False),
    ),
    Case(
        "dose 2 with no dose 1, then dose 1 at 5 mL the same minute: both not valid",
        [("2021-05-20", PFIZER, "0.3", 2), ("2021-05-20", PFIZER, "5", 1)],
        ["out_of_sequence", "wrong_volume"],
        (1, d("2021-06-10"), d("2021-06-10"), False),
    ),
    # --- Moderna: 28 days, recommended 42 -----------------------------------------------------
    Case(
        "Moderna dose 1: earliest day 28, recommended day 42",
        [("2021-05-01", MODERNA, "0.5", 1)],
        ["ok"],
        (2, d("2021-05-29"), d("2021-06-12"), False),
    ),
    Case(
        "Moderna dose 2 on day 24 (grace): valid",
        [("2021-03-01", MODERNA, "0.5", 1), ("2021-03-25", MODERNA, "0.5", 2)],
        ["ok", "ok"],
        (3, d("2021-08-22"), d("2021-08-22"), False),
    ),
    Case(
        "Moderna dose 2 on day 23: too early",
        [("2021-03-01", MODERNA, "0.5", 1), ("2021-03-24", MODERNA, "0.5", 2)],
        ["ok", "too_early"],
        (2, d("2021-04-21"), d("2021-05-05"), True),
    ),
    Case(
        "Moderna dose 1 to a 17-year-old: too young; dose 1 from the 18th birthday and 28 days after",
        [("2021-05-01", MODERNA, "0.5", 1)],
        ["too_young"],
        (1, d("2021-05-29"), d("2021-05-29"), False),
        dob=d("2003-05-10"),
    ),
    Case(
        "Moderna 4 days before the 18th birthday: valid (grace)",
        [("2021-05-06", MODERNA, "0.5", 1)],
        ["ok"],
        (2, d("2021-06-03"), d("2021-06-17"), False),
        dob=d("2003-05-10"),
    ),
    Case(
        "Moderna 5 days before the 18th birthday: too young",
        [("2021-05-05", MODERNA, "0.5", 1)],
        ["too_young"],
        (1, d("2021-06-02"), d("2021-06-02"), False),
        dob=d("2003-05-10"),
    ),
    # --- mixed products ------------------------------------------------------------------------
    Case(
        "Pfizer then Moderna (accepted to complete it): valid, Pfizer's interval",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-22", MODERNA, "0.5", 2)],
        ["ok", "ok"],
        (3, d("2021-06-21"), d("2021-06-21"), False),
    ),
    Case(
        "Pfizer then Novavax (not accepted): not interchangeable",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-22", NOVAVAX, "0.5", 2)],
        ["ok", "not_interchangeable"],
        (2, d("2021-02-12"), d("2021-02-12"), True),
    ),
    Case(
        "Novavax then Pfizer (Novavax accepts none): not interchangeable",
        [("2021-01-01", NOVAVAX, "0.5", 1), ("2021-01-22", PFIZER, "0.3", 2)],
        ["ok", "not_interchangeable"],
        (2, d("2021-02-12"), d("2021-02-12"), True),
    ),
    Case(
        "Moderna then Pfizer on day 21: Moderna's 28 days not met",
        [("2021-01-01", MODERNA, "0.5", 1), ("2021-01-22", PFIZER, "0.3", 2)],
        ["ok", "too_early"],
        (2, d("2021-02-19"), d("2021-03-05"), True),
    ),
    # --- Janssen: one dose, booster after 2 months ----------------------------------------------
    Case(
        "Janssen one dose: booster from day 60",
        [("2021-04-01", JANSSEN, "0.5", 1)],
        ["ok"],
        (2, d("2021-05-31"), d("2021-05-31"), True),
    ),
    Case(
        "Janssen then a booster on day 60: complete",
        [("2021-03-01", JANSSEN, "0.5", 1), ("2021-04-30", JANSSEN, "0.5", 2)],
        ["ok", "ok"],
        "complete",
    ),
    Case(
        "Janssen booster on day 50: too early",
        [("2021-03-01", JANSSEN, "0.5", 1), ("2021-04-20", JANSSEN, "0.5", 2)],
        ["ok", "too_early"],
        (2, d("2021-06-19"), d("2021-06-19"), False),
    ),
    Case(
        "Janssen to a 16-year-old: too young",
        [("2021-05-01", JANSSEN, "0.5", 1)],
        ["too_young"],
        (1, d("2023-01-01"), d("2023-01-01"), False),
        dob=d("2005-01-01"),
    ),
    # --- boosters -------------------------------------------------------------------------------
    Case(
        "Pfizer series and a booster at day 150: complete",
        [
            ("2021-01-01", PFIZER, "0.3", 1),
            ("2021-01-22", PFIZER, "0.3", 2),
            ("2021-06-21", PFIZER, "0.3", 3),
        ],
        ["ok", "ok", "ok"],
        "complete",
        today=d("2021-07-01"),
    ),
    Case(
        "Pfizer booster at day 145 (grace is 4 days): too early",
        [
            ("2021-01-01", PFIZER, "0.3", 1),
            ("2021-01-22", PFIZER, "0.3", 2),
            ("2021-06-16", PFIZER, "0.3", 3),
        ],
        ["ok", "ok", "too_early"],
        (3, d("2021-11-13"), d("2021-11-13"), False),
        today=d("2021-07-01"),
    ),
    Case(
        "a dose after the booster: not needed",
        [
            ("2021-01-01", PFIZER, "0.3", 1),
            ("2021-01-22", PFIZER, "0.3", 2),
            ("2021-06-21", PFIZER, "0.3", 3),
            ("2021-12-01", PFIZER, "0.3", 4),
        ],
        ["ok", "ok", "ok", "extra_dose"],
        "complete",
        today=d("2022-01-01"),
    ),
    Case(
        "Novavax series (no booster in its rules): complete",
        [("2021-01-01", NOVAVAX, "0.5", 1), ("2021-01-22", NOVAVAX, "0.5", 2)],
        ["ok", "ok"],
        "complete",
    ),
    Case(
        "a third Novavax dose: not needed",
        [
            ("2021-01-01", NOVAVAX, "0.5", 1),
            ("2021-01-22", NOVAVAX, "0.5", 2),
            ("2021-03-01", NOVAVAX, "0.5", 3),
        ],
        ["ok", "ok", "extra_dose"],
        "complete",
    ),
    # --- historical doses -----------------------------------------------------------------------
    Case(
        "historical dose 1 (a card), dose 2 here: both count",
        [("2021-01-01", MODERNA, None, 1, True), ("2021-01-29", MODERNA, "0.5", 2)],
        ["ok", "ok"],
        (3, d("2021-06-28"), d("2021-06-28"), False),
    ),
    Case(
        "historical dose 1 without a number: counts as dose 1",
        [("2021-04-01", PFIZER, None, None, True)],
        ["ok"],
        (2, d("2021-04-22"), d("2021-04-22"), True),
    ),
    Case(
        "historical doses given too close: the second is not valid",
        [("2021-01-01", PFIZER, None, 1, True), ("2021-01-10", PFIZER, None, 2, True)],
        ["ok", "too_early"],
        (2, d("2021-01-31"), d("2021-01-31"), True),
    ),
    # --- children's products and ages ----------------------------------------------------------
    Case(
        "Pfizer 5-11 at 7: valid, dose 2 at 21 days",
        [("2021-11-05", PFIZER_KIDS, "0.2", 1)],
        ["ok"],
        (2, d("2021-11-26"), d("2021-11-26"), False),
        dob=d("2014-02-02"),
        today=d("2021-11-10"),
    ),
    Case(
        "Pfizer 5-11 on the 12th birthday: too old",
        [("2021-11-05", PFIZER_KIDS, "0.2", 1)],
        ["too_old"],
        (1, d("2021-11-26"), d("2021-11-26"), False),
        dob=d("2009-11-05"),
        today=d("2021-11-10"),
    ),
    Case(
        "Pfizer 5-11 at 4: too young",
        [("2021-11-05", PFIZER_KIDS, "0.2", 1)],
        ["too_young"],
        (1, d("2022-06-01"), d("2022-06-01"), False),
        dob=d("2017-06-01"),
        today=d("2021-11-10"),
    ),
    Case(
        "Pfizer 6 mo-4 y: three doses, the third from day 21 after the second",
        [("2022-07-01", PFIZER_BABIES, "0.2", 1), ("2022-07-22", PFIZER_BABIES, "0.2", 2)],
        ["ok", "ok"],
        (3, d("2022-08-12"), d("2022-08-12"), False),
        dob=d("2020-01-15"),
        today=d("2022-08-01"),
    ),
    Case(
        "Pfizer 6 mo-4 y: complete after three doses",
        [
            ("2022-07-01", PFIZER_BABIES, "0.2", 1),
            ("2022-07-22", PFIZER_BABIES, "0.2", 2),
            ("2022-09-16", PFIZER_BABIES, "0.2", 3),
        ],
        ["ok", "ok", "ok"],
        "complete",
        dob=d("2020-01-15"),
        today=d("2022-10-01"),
    ),
    Case(
        "Pfizer (12+) to an 11-year-old: too young",
        [("2021-05-20", PFIZER, "0.3", 1)],
        ["too_young"],
        (1, d("2021-09-01"), d("2021-09-01"), False),
        dob=d("2009-09-01"),
    ),
    Case(
        "Spikevax 2024-2025: one dose completes",
        [("2024-10-01", SPIKEVAX_2024, "0.5", 1)],
        ["ok"],
        "complete",
        today=d("2024-10-02"),
    ),
    # --- other vaccines and unknown products ---------------------------------------------------
    Case(
        "a flu dose is a series apart: the COVID-19 forecast ignores it",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-05", FLU_HD, None, None)],
        ["ok"],
        (2, d("2021-01-22"), d("2021-01-22"), True),
    ),
    Case(
        "a product without rules: not valid, not counted",
        [("2021-05-01", NO_RULES, "0.5", 1)],
        ["unknown_product"],
        (1, ADULT, ADULT, False),
    ),
    Case(
        "dose 1 recorded as dose 1, dose 2 recorded as dose 3: out of sequence",
        [("2021-01-01", PFIZER, "0.3", 1), ("2021-01-22", PFIZER, "0.3", 3)],
        ["ok", "out_of_sequence"],
        (2, d("2021-02-12"), d("2021-02-12"), True),
    ),
    Case(
        "doses entered out of order are read in the order given",
        [("2021-01-22", PFIZER, "0.3", 2), ("2021-01-01", PFIZER, "0.3", 1)],
        ["ok", "ok"],
        (3, d("2021-06-21"), d("2021-06-21"), False),
    ),
]


def _verdict(evaluation) -> str:
    return "ok" if evaluation.valid else evaluation.codes[0].value


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_evaluator_case(case):
    doses = [dose(*[*spec, False][:5], ref=index) for index, spec in enumerate(case.doses)]
    result = evaluate(
        date_of_birth=case.dob, doses=doses, rules=RULES, today=case.today, start_with=case.start_with
    )
    by_ref = {evaluation.dose.ref: _verdict(evaluation) for evaluation in result.doses}
    assert [by_ref[d.ref] for d in doses if d.ref in by_ref] == case.verdicts
    forecast = result.forecast
    if case.due == "complete":
        assert forecast.stage == Stage.COMPLETE and forecast.dose_number is None
    else:
        assert (forecast.dose_number, forecast.earliest, forecast.recommended, forecast.past_due) == case.due


def test_table_has_at_least_forty_cases():
    assert len(CASES) >= 40


def test_every_finding_has_a_message_naming_the_rule_and_what_would_be_valid():
    result = evaluate(
        date_of_birth=d("2003-05-10"),
        doses=[dose("2021-05-01", MODERNA, "5", 2)],
        rules=RULES,
        today=TODAY,
    )
    (only,) = result.doses
    assert only.codes == ("too_young", "wrong_volume")
    assert "18 years or older (from 2021-05-10)" in only.message
    assert "a dose of Moderna is 0.5 mL, not 5 mL" in only.message


def test_too_early_message_says_from_when():
    check = dose_check(
        date_of_birth=ADULT,
        doses=[dose("2021-01-01", PFIZER, "0.3", 1)],
        rules=RULES,
        candidate=dose("2021-01-10", PFIZER, "0.3", 2),
    )
    assert not check.valid
    assert "dose 2 can be given from 2021-01-22, 21 days after the dose of 2021-01-01" in check.message


def test_dose_check_ignores_doses_given_after_the_candidate():
    check = dose_check(
        date_of_birth=ADULT,
        doses=[dose("2021-01-01", PFIZER, "0.3", 1), dose("2021-03-01", PFIZER, "0.3", 2)],
        rules=RULES,
        candidate=dose("2021-01-22", PFIZER, "0.3", 2),
    )
    assert check.valid and check.series_dose == 2


def test_add_months_keeps_the_end_of_month():
    assert add_months(d("2020-01-31"), 1) == d("2020-02-29")
    assert add_months(d("2008-02-29"), 216) == d("2026-02-28")
    assert add_months(d("2020-11-15"), 14) == d("2022-01-15")
