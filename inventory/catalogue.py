"""Reading the product catalogue shipped in inventory/data/vaccines.csv (a copy of the shared
reference data, so the running system never reads outside the project).

The source columns are written for people ("10 (Dec 2020 EUA); max 11", "0.5 or 0.25"): the
first number is taken as the value, and the full text is kept where it says more.
"""

import csv
import re
from decimal import Decimal
from pathlib import Path

from inventory.enums import StorageClass

CATALOGUE = Path(__file__).resolve().parent / "data" / "vaccines.csv"

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _first_number(text: str) -> str | None:
    match = _NUMBER.search(text or "")
    return match.group(0) if match else None


def _storage_class(row: dict) -> str:
    """The coldest storage the product is shipped and kept in."""
    if row["storage_ultracold"].strip():
        return StorageClass.ULTRA_COLD
    if row["storage_frozen"].strip():
        return StorageClass.FROZEN
    return StorageClass.REFRIGERATED


def product_fields(row: dict) -> dict:
    doses_per_vial = _first_number(row["doses_per_vial"])
    if doses_per_vial is None and "SYRINGE" in row["uou_presentation"].upper():
        doses_per_vial = "1"  # a pre-filled syringe holds one dose
    volume = _first_number(row["dose_volume_ml"])
    series = _first_number(row["series_doses"])
    interval = _first_number(row["min_interval_days"])
    temperatures = [
        f"{label}: {row[column].strip()}"
        for label, column in (
            ("Ultra-cold", "storage_ultracold"),
            ("Frozen", "storage_frozen"),
            ("Refrigerated", "storage_refrigerated"),
        )
        if row[column].strip()
    ]
    notes = row["notes"].strip()
    if row["doses_per_vial"].strip() and row["doses_per_vial"].strip() != doses_per_vial:
        notes = f"Doses per vial: {row['doses_per_vial'].strip()}\n{notes}".strip()
    if row["series_doses"].strip() and row["series_doses"].strip() != series:
        notes = f"Series: {row['series_doses'].strip()}\n{notes}".strip()
    return {
        "name": row["product_name"].strip() or row["cvx_short_description"].strip(),
        "cvx": row["cvx_code"].strip(),
        "cvx_description": row["cvx_short_description"].strip()[:300],
        "mvx": row["mvx_code"].strip(),
        "manufacturer": row["manufacturer"].strip(),
        "ndc_unit_of_sale": row["ndc_unit_of_sale"].strip()[:100],
        "presentation": row["uou_presentation"].strip()[:200],
        "doses_per_vial": int(doses_per_vial) if doses_per_vial else None,
        "dose_volume_ml": Decimal(volume) if volume else None,
        "storage_class": _storage_class(row),
        "storage_temperature": "\n".join(temperatures),
        "beyond_use_after_thaw": row["bud_room_temp_unpunctured"].strip(),
        "beyond_use_after_puncture": row["bud_after_puncture_or_dilution"].strip(),
        "series_doses": int(series) if series else 1,
        "min_interval_days": int(interval) if interval else None,
        "is_active": row["cvx_status_cdc"].strip() == "Active",
        "notes": notes,
    }


def catalogue_rows() -> list[tuple[str, dict]]:
    """(NDC of the unit of use, product fields) for each presentation that has an NDC (the
    "unspecified" CVX rows, used only to record historic doses, have none)."""
    with open(CATALOGUE, encoding="utf-8", newline="") as handle:
        return [
            (row["ndc_unit_of_use"].strip(), product_fields(row))
            for row in csv.DictReader(handle)
            if row["ndc_unit_of_use"].strip()
        ]


SERIES_RULES = Path(__file__).resolve().parent / "data" / "series_rules.csv"


def _number_or_none(text: str) -> int | None:
    return int(text) if text.strip() else None


def series_rule_rows() -> dict[str, dict]:
    """The series rules by CVX code (inventory/data/series_rules.csv: what vaccines.csv says
    about series, with the ages, intervals and boosters of the authorizations it names), as
    `SeriesRule` fields, plus `completes_cvx`: the CVX codes whose series the product may
    complete."""
    with open(SERIES_RULES, encoding="utf-8", newline="") as handle:
        return {
            row["cvx"].strip(): {
                "vaccine": row["vaccine"].strip(),
                "primary_doses": int(row["primary_doses"]),
                "min_interval_days": _number_or_none(row["min_interval_days"]),
                "recommended_interval_days": _number_or_none(row["recommended_interval_days"]),
                "min_age_months": _number_or_none(row["min_age_months"]),
                "max_age_months": _number_or_none(row["max_age_months"]),
                "booster_interval_days": _number_or_none(row["booster_interval_days"]),
                "notes": row["notes"].strip(),
                "completes_cvx": [cvx for cvx in row["completes_cvx"].split(";") if cvx.strip()],
            }
            for row in csv.DictReader(handle)
        }
