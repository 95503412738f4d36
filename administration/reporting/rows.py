"""The plain row every registry report is written from: one dose given (or refused).

Selectors turn `AdministrationRecord`s into `DoseReport`s (one SQL query streamed with a server-side
cursor); the writers in `cvrs.py` and `hl7.py` only format them. Keeping the row flat and
immutable is what lets an export of a million doses run in constant memory: each row is built,
written and forgotten.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

# The COVID-19 vaccines' CVX codes: those of the catalogue (inventory/data/vaccines.csv, from the
# CDC's CVX table) whose description names COVID-19 or SARS-CoV-2.
COVID_19_CVX = frozenset(
    {"207", "208", "210", "211", "212", "213", "217", "218", "219", "221", "225", "227", "228", "229", "230"}
    | {"300", "301", "302", "308", "309", "310", "311", "312", "313", "334", "500"}
)
COVID_19_VACCINE_GROUP = "213"  # CVX "SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED"
INFLUENZA_VACCINE_GROUP = "88"  # CVX "influenza virus vaccine, unspecified formulation"


def vaccine_group(cvx: str, description: str = "") -> str:
    """The CVX of the vaccine group a product belongs to (what a VIS is about)."""
    if cvx in COVID_19_CVX:
        return COVID_19_VACCINE_GROUP
    if "INFLUENZA" in description.upper():
        return INFLUENZA_VACCINE_GROUP
    return cvx


class Action(StrEnum):
    """What a report says about the dose (HL7 table 0323, RXA-21)."""

    ADD = "A"
    UPDATE = "U"  # the record was corrected after it was first reported
    DELETE = "D"  # the record was voided


@dataclass(frozen=True, slots=True)
class DoseReport:
    # --- the event ---------------------------------------------------------------------------
    event_id: str  # unique per dose, stable across reports (CVRS vax_event_id, HL7 ORC-3)
    administered_at: datetime  # aware; the day is the date reported
    cvx: str
    refused: bool = False
    refusal_reason: str = "03"  # NIP002: 00 parental decision, 01 religious, 02 other, 03 patient
    action: Action = Action.ADD
    historical: bool = False  # RXA-9: 00 new record from the administering provider, 01 historical
    # --- the vaccine (empty for refusals) ------------------------------------------------------
    ndc: str = ""
    mvx: str = ""
    manufacturer: str = ""
    product_name: str = ""
    lot_number: str = ""
    lot_expiration: date | None = None
    route: str = ""  # NCIt code, e.g. C28161 intramuscular
    site: str = ""  # HL7 0163, e.g. LD left deltoid
    volume_ml: Decimal | None = None
    dose_number: str = ""  # 1-6, INV or UNK
    series_complete: str = "UNK"  # YES, NO, UNK
    completion: str = "CP"  # HL7 RXA-20: CP complete, PA partially administered (a sub-potent dose)
    vfc_eligibility: str = ""  # HL7 0064 (V01 not VFC eligible ...), empty when unknown
    funding_source: str = ""  # VXC1 federal, VXC2 state, PHC70 private; empty when unknown
    vis_barcode: str = ""  # the VIS given: its GS1 barcode (document and edition)
    vis_vaccine_group: str = ""  # the VIS's vaccine group (CVX), when sent by edition date
    vis_edition: date | None = None
    vis_given_on: date | None = None
    # --- the recipient -------------------------------------------------------------------------
    recipient_id: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    sex: str = "U"  # M, F, U
    street: str = ""
    street_2: str = ""
    city: str = ""
    county_fips: str = ""  # 5 digits
    state: str = ""  # USPS code
    zip_code: str = ""
    phone: str = ""  # digits only, 10 for a US number
    races: tuple[str, ...] = ()  # CDC race codes, UNK or POL
    ethnicity: str = "UNK"  # 2135-2, 2186-5, UNK, POL
    comorbidity: str = "UNK"  # YES, NO, UNK
    serology: str = "UNK"  # YES, NO, UNK
    guardian_first_name: str = ""  # next of kin (HL7 NK1), when known
    guardian_last_name: str = ""
    guardian_relationship: str = ""  # HL7 0063, e.g. MTH, FTH, GRD
    # --- who gave it, where --------------------------------------------------------------------
    responsible_org: str = ""  # the organization (CVRS responsible_org, HL7 MSH-22)
    organization_id: str = ""  # the organization's state-issued PIN, e.g. NCA650001
    facility_id: str = ""  # the location's identifier at the registry (HL7 RXA-11.4), when it has one
    admin_name: str = ""  # the location's name
    vtrcks_pin: str = ""  # 6 digits when known
    admin_type: str = "UNK"  # CVRS admin_type 1-28 or UNK
    admin_street: str = ""
    admin_street_2: str = ""
    admin_city: str = ""
    admin_county_fips: str = ""
    admin_state: str = ""
    admin_zip: str = ""
    vaccinator_id: str = ""
    vaccinator_first_name: str = ""
    vaccinator_last_name: str = ""
    vaccinator_suffix: str = ""  # credential, e.g. RN, MD
    entered_by_first_name: str = ""
    entered_by_last_name: str = ""
