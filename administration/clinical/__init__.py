"""Clinical validity: the evaluator and forecaster of a person's doses (`evaluator`), fed by
`administration.selectors.clinical` (the rules and the person's doses from the database).

    from administration.clinical import evaluate, dose_check, DoseGiven, SeriesRule
"""

from administration.clinical.evaluator import (
    COVID_19,
    GRACE_DAYS,
    DoseEvaluation,
    DoseGiven,
    Evaluation,
    Finding,
    Forecast,
    SeriesRule,
    Stage,
    add_months,
    dose_check,
    evaluate,
)

__all__ = [
    "COVID_19",
    "GRACE_DAYS",
    "DoseEvaluation",
    "DoseGiven",
    "Evaluation",
    "Finding",
    "Forecast",
    "SeriesRule",
    "Stage",
    "add_months",
    "dose_check",
    "evaluate",
]
