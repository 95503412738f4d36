"""The CDC COVID-19 Vaccination Reporting Specification (CVRS) extract file.

Facts from CVRS v2, kept by v2.5 and v3 (tests/fixtures/cvrs.toml): UTF-8, tab-delimited, a header
row with the 45 variable names in order (all of them, even when empty), one line per vaccination
or refusal, dates `YYYY-MM-DD`, at most 200,000 records per file named `yyyymmdd_NN_AAA.txt`.

`cvrs_lines` is a generator: it holds one row at a time, so a million doses export in constant
memory. The exports themselves have PostgreSQL write the lines (cvrs_sql.py) and use this module
for the rows the SQL doesn't write plainly, and as the reference the SQL is tested against.

Over 450 lines: most of it is the specification's table of 45 variables with each one's
format rule, kept beside the code that applies them so that one reads against the other.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from administration.reporting.rows import DoseReport

# The 45 data elements, in the order of the specification (field 1 to 45).
COLUMNS: tuple[str, ...] = (
    "vax_event_id",
    "ext_type",
    "pprl_id",
    "recip_id",
    "recip_first_name",
    "recip_middle_name",
    "recip_last_name",
    "recip_dob",
    "recip_sex",
    "recip_address_street",
    "recip_address_street_2",
    "recip_address_city",
    "recip_address_county",
    "recip_address_state",
    "recip_address_zip",
    "recip_race_1",
    "recip_race_2",
    "recip_race_3",
    "recip_race_4",
    "recip_race_5",
    "recip_race_6",
    "recip_ethnicity",
    "admin_date",
    "cvx",
    "ndc",
    "mvx",
    "lot_number",
    "vax_expiration",
    "vax_admin_site",
    "vax_route",
    "dose_num",
    "vax_series_complete",
    "responsible_org",
    "admin_name",
    "vtrcks_prov_pin",
    "admin_type",
    "admin_address_street",
    "admin_address_street_2",
    "admin_address_city",
    "admin_address_county",
    "admin_address_state",
    "admin_address_zip",
    "vax_refusal",
    "cmorbid_status",
    "serology",
)

MAX_RECORDS_PER_FILE = 200_000
REDACTED = "Redacted"


class ExtractType(StrEnum):
    DEIDENTIFIED = "D"  # names and street addresses sent as "Redacted"
    IDENTIFIED = "I"
    PPRL = "P"


# Value sets (cvrs.md, "Value sets").
SEX = frozenset({"M", "F", "U"})
RACE = frozenset({"1002-5", "2028-9", "2076-8", "2054-5", "2106-3", "2131-1", "UNK", "POL"})
RACE_KNOWN = RACE - {"UNK", "POL"}  # races 2-6 take only real codes
ETHNICITY = frozenset({"2135-2", "2186-5", "UNK", "POL"})
SITE = frozenset({"LT", "LA", "LD", "LG", "LVL", "LLFA", "RT", "RA", "RD", "RG", "RVL", "RLFA"})
ROUTE_NCIT = frozenset({"C38238", "C28161", "C38284", "C38276", "C38288", "C38676", "C38299", "C38305"})
ROUTE_HL7 = frozenset({"IM", "NS", "IN", "IV", "PO", "OTH", "SC", "TD"})
DOSE_NUM = frozenset({"1", "2", "3", "4", "5", "6", "INV", "UNK"})
YES_NO_UNK = frozenset({"YES", "NO", "UNK"})
YES_NO = frozenset({"YES", "NO"})
ADMIN_TYPE = frozenset({str(n) for n in range(1, 29)} | {"UNK"})
EXT_TYPE = frozenset(ExtractType)
# USPS codes of the 50 states, DC and the five inhabited territories (the Census Bureau's state
# list, via kjhealy/fips-codes and the JHU CSSE lookup table). "ON" (Ontario) has the shape of a
# state code but isn't one: an address outside the US has no CVRS state, ZIP or county.
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    ]
)

# Fields a refusal must leave empty (CVRSExtract.java).
EMPTY_FOR_REFUSAL = (
    "ndc",
    "mvx",
    "lot_number",
    "vax_expiration",
    "vax_admin_site",
    "vax_route",
    "dose_num",
    "vax_series_complete",
)
# Names and street address: "Redacted" in a de-identified extract.
REDACTED_FIELDS = (
    "recip_first_name",
    "recip_middle_name",
    "recip_last_name",
    "recip_address_street",
    "recip_address_street_2",
    "recip_address_city",
)
REQUIRED = (
    "vax_event_id",
    "ext_type",
    "recip_id",
    "recip_dob",
    "recip_sex",
    "recip_race_1",
    "recip_ethnicity",
    "admin_date",
    "cvx",
    "responsible_org",
    "admin_name",
    "admin_type",
    "vax_refusal",
    "cmorbid_status",
    "serology",
)
REQUIRED_FOR_VACCINATION = ("dose_num", "vax_series_complete")

_NO_SPACE = re.compile(r"^\S+$")
_STARTS_WITH_TEXT = re.compile(r"^\S+.*$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_FIPS = re.compile(r"^\d{5}$")
_PIN = re.compile(r"^\d{6}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_OR_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_DOB = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CVX = re.compile(r"^\d{1,3}$")
_NDC = re.compile(r"^\d{4,5}-\d{3,4}-\d{1,2}$")
_MVX = re.compile(r"^[A-Z]{2,3}$")

# Checks of one value, by column: (test, what a person should be told).
_FORMATS = {
    "vax_event_id": (_NO_SPACE.match, "has no spaces"),
    "recip_id": (_NO_SPACE.match, "has no spaces"),
    "ext_type": (EXT_TYPE.__contains__, "is D, P or I"),
    "recip_dob": (_DOB.match, "is a date YYYY-MM-DD"),
    "recip_sex": (SEX.__contains__, "is M, F or U"),
    "recip_address_county": (_FIPS.match, "is a 5-digit FIPS county code"),
    "recip_address_state": (US_STATES.__contains__, "is a 2-letter USPS state code"),
    "recip_address_zip": (_ZIP.match, "is a ZIP code of 5 digits or ZIP+4"),
    "recip_race_1": (RACE.__contains__, "is a CDC race code, UNK or POL"),
    **{f"recip_race_{n}": (RACE_KNOWN.__contains__, "is a CDC race code") for n in range(2, 7)},
    "recip_ethnicity": (ETHNICITY.__contains__, "is 2135-2, 2186-5, UNK or POL"),
    "admin_date": (_DATE.match, "is a date YYYY-MM-DD"),
    "cvx": (_CVX.match, "is a CVX code"),
    "ndc": (_NDC.match, "is an NDC in 5-4-2 form"),
    "mvx": (_MVX.match, "is an MVX code"),
    "vax_expiration": (_DATE_OR_MONTH.match, "is a date YYYY-MM-DD or YYYY-MM"),
    "vax_admin_site": (SITE.__contains__, "is an HL7 0163 body site"),
    "vax_route": ((ROUTE_NCIT | ROUTE_HL7).__contains__, "is an NCIt or HL7 0162 route"),
    "dose_num": (DOSE_NUM.__contains__, "is 1-6, INV or UNK"),
    "vax_series_complete": (YES_NO_UNK.__contains__, "is YES, NO or UNK"),
    "responsible_org": (_STARTS_WITH_TEXT.match, "starts with text"),
    "admin_name": (_STARTS_WITH_TEXT.match, "starts with text"),
    "vtrcks_prov_pin": (_PIN.match, "is a 6-digit VTrckS PIN"),
    "admin_type": (ADMIN_TYPE.__contains__, "is 1-28 or UNK"),
    "admin_address_county": (_FIPS.match, "is a 5-digit FIPS county code"),
    "admin_address_state": (US_STATES.__contains__, "is a 2-letter USPS state code"),
    "admin_address_zip": (_ZIP.match, "is a ZIP code of 5 digits or ZIP+4"),
    "vax_refusal": (YES_NO.__contains__, "is YES or NO"),
    "cmorbid_status": (YES_NO_UNK.__contains__, "is YES, NO or UNK"),
    "serology": (YES_NO_UNK.__contains__, "is YES, NO or UNK"),
}


class CVRSError(ValueError):
    """A dose that can't be reported as it stands; the message names the event and the fields."""


_BREAKS = re.compile(r"[\t\r\n]+")


def _clean(value: str) -> str:
    # Tabs inside data are replaced by spaces (the spec); line breaks would split the record.
    return _BREAKS.sub(" ", value).strip() if value else ""


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def cvrs_values(dose: DoseReport, *, extract_type: ExtractType = ExtractType.DEIDENTIFIED) -> dict[str, str]:
    """The 45 values of one dose, by variable name."""
    redacted = extract_type == ExtractType.DEIDENTIFIED
    races = [code.upper() for code in dose.races if code] or ["UNK"]
    vaccination = not dose.refused
    values = {
        "vax_event_id": dose.event_id,
        "ext_type": extract_type.value,
        "pprl_id": "",  # PPRL tokens come from a linkage tool this system doesn't run
        "recip_id": dose.recipient_id,
        "recip_first_name": dose.first_name,
        "recip_middle_name": dose.middle_name,
        "recip_last_name": dose.last_name,
        "recip_dob": _date(dose.birth_date),
        "recip_sex": dose.sex.upper(),
        "recip_address_street": dose.street,
        "recip_address_street_2": dose.street_2,
        "recip_address_city": dose.city,
        "recip_address_county": dose.county_fips,
        "recip_address_state": dose.state.upper(),
        "recip_address_zip": dose.zip_code,
        **{f"recip_race_{n}": races[n - 1] if n <= len(races) else "" for n in range(1, 7)},
        "recip_ethnicity": dose.ethnicity.upper(),
        "admin_date": dose.administered_at.date().isoformat(),
        "cvx": dose.cvx,
        "ndc": dose.ndc if vaccination else "",
        "mvx": dose.mvx.upper() if vaccination else "",
        "lot_number": dose.lot_number if vaccination else "",
        "vax_expiration": _date(dose.lot_expiration) if vaccination else "",
        "vax_admin_site": dose.site.upper() if vaccination else "",
        "vax_route": dose.route.upper() if vaccination else "",
        "dose_num": str(dose.dose_number).upper() if vaccination else "",
        "vax_series_complete": dose.series_complete.upper() if vaccination else "",
        "responsible_org": dose.responsible_org,
        "admin_name": dose.admin_name,
        "vtrcks_prov_pin": dose.vtrcks_pin,
        "admin_type": dose.admin_type.upper(),
        "admin_address_street": dose.admin_street,
        "admin_address_street_2": dose.admin_street_2,
        "admin_address_city": dose.admin_city,
        "admin_address_county": dose.admin_county_fips,
        "admin_address_state": dose.admin_state.upper(),
        "admin_address_zip": dose.admin_zip,
        "vax_refusal": "YES" if dose.refused else "NO",
        "cmorbid_status": dose.comorbidity.upper(),
        "serology": dose.serology.upper(),
    }
    if redacted:
        for name in REDACTED_FIELDS:
            values[name] = REDACTED
    return {name: _clean(value) for name, value in values.items()}


def _format_failures(values: dict[str, str]) -> dict[str, str]:
    """The values that break their column's pattern or value set, by column: what to say."""
    return {
        name: f"{name} {values[name]!r}: must be a value that {what}"
        for name, (test, what) in _FORMATS.items()
        if values[name] and not test(values[name])
    }


def cvrs_problems(values: dict[str, str]) -> list[str]:
    """What breaks the specification's validation rules in one record (empty when valid)."""
    problems = []
    refusal = values["vax_refusal"] == "YES"
    required = REQUIRED if refusal else REQUIRED + REQUIRED_FOR_VACCINATION
    for name in required:
        if not values[name]:
            problems.append(f"{name} is required")
    if values["ext_type"] == ExtractType.DEIDENTIFIED:
        problems += [f"{name} must be {REDACTED!r}" for name in REDACTED_FIELDS if values[name] != REDACTED]
    if values["ext_type"] != ExtractType.PPRL and values["pprl_id"]:
        problems.append("pprl_id must be empty unless ext_type is P")
    if refusal:
        problems += [f"{name} must be empty for a refusal" for name in EMPTY_FOR_REFUSAL if values[name]]
    return problems + list(_format_failures(values).values())


# "Required if known" values: the specification lets a record leave them empty when they aren't
# known, so a value that can't be expressed in the column's terms (a Canadian postal code in
# recip_address_zip, an Ontario province code in recip_address_state) is left empty and the record
# still goes. Every other column either is required or has no pattern to break.
EMPTY_IF_UNEXPRESSIBLE = frozenset(_FORMATS) - set(REQUIRED) - set(REQUIRED_FOR_VACCINATION)


@dataclass
class Report:
    """What a file could not carry as recorded, for the person who sends it: the values left
    empty (as the specification allows) and the records left out, each line naming the event.

    Lines past `limit` are counted, not kept, so a pathological extract stays in constant memory.
    """

    emptied: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)  # records sent again after a change
    not_sendable: list[str] = field(default_factory=list)  # changes a CVRS file can't carry
    unlisted: int = 0
    limit: int = 10_000

    def note(self, kind: str, line: str) -> None:
        lines = getattr(self, kind)
        if len(self.emptied) + len(self.left_out) + len(self.updates) + len(self.not_sendable) < self.limit:
            lines.append(line)
        else:
            self.unlisted += 1

    def __bool__(self) -> bool:
        return bool(self.emptied or self.left_out or self.updates or self.not_sendable or self.unlisted)

    def text(self) -> str:
        """The report as plain text, one section per kind (empty when there is nothing to say)."""
        sections = [
            ("Records left out (required values missing or invalid):", self.left_out),
            ("Values left empty (they can't be expressed in CVRS terms):", self.emptied),
            ("Records sent again after a change (same vax_event_id):", self.updates),
            (
                "Changes a CVRS file can't carry (ask the CDC Data Clearinghouse to delete):",
                self.not_sendable,
            ),
        ]
        parts = [
            heading + "\n" + "".join(f"- {line}\n" for line in lines) for heading, lines in sections if lines
        ]
        if self.unlisted:
            parts.append(f"... and {self.unlisted} more lines not listed.\n")
        return "\n".join(parts)


def cvrs_record(
    dose: DoseReport,
    *,
    extract_type: ExtractType = ExtractType.DEIDENTIFIED,
    report: Report | None = None,
) -> list[str] | None:
    """One dose as its 45 fields, checked.

    Without a `report`, a dose that breaks a rule raises CVRSError naming what is wrong. With
    one, a "required if known" value that can't be expressed is left empty, and a dose that still
    breaks a rule is left out (None); both are noted in the report.
    """
    return cvrs_checked(cvrs_values(dose, extract_type=extract_type), event_id=dose.event_id, report=report)


def cvrs_checked(values: dict[str, str], *, event_id: str, report: Report | None = None) -> list[str] | None:
    """`cvrs_record` of a dose's 45 cleaned values (`cvrs_values`), by variable name."""
    if report is not None:
        unexpressible = {
            name: what for name, what in _format_failures(values).items() if name in EMPTY_IF_UNEXPRESSIBLE
        }
        for name in unexpressible:
            values[name] = ""
        if unexpressible:
            report.note("emptied", f"{event_id}: " + "; ".join(unexpressible.values()) + " (left empty)")
    problems = cvrs_problems(values)
    if problems:
        if report is None:
            raise CVRSError(f"Dose {event_id}: " + "; ".join(problems))
        report.note("left_out", f"{event_id}: " + "; ".join(problems))
        return None
    return [values[name] for name in COLUMNS]


def cvrs_header() -> str:
    return "\t".join(COLUMNS) + "\n"


def cvrs_line(dose: DoseReport, *, extract_type: ExtractType, report: Report | None) -> str | None:
    """One dose's line (ending with LF), or None when `cvrs_record` leaves it out."""
    record = cvrs_record(dose, extract_type=extract_type, report=report)
    return None if record is None else "\t".join(record) + "\n"


def cvrs_lines(
    doses: Iterable[DoseReport],
    *,
    extract_type: ExtractType = ExtractType.DEIDENTIFIED,
    report: Report | None = None,
) -> Iterator[str]:
    """The file, line by line (header first), each ending with LF. With a `report`, what can't
    be expressed is handled as `cvrs_record` says and listed there; without, it raises."""
    yield cvrs_header()
    for dose in doses:
        line = cvrs_line(dose, extract_type=extract_type, report=report)
        if line is not None:
            yield line


def cvrs_file_name(*, reported_on: date, sequence: int, entity: str) -> str:
    """`yyyymmdd_NN_AAA.txt`: the day reported, the file's number that day, the submitter's code."""
    if not 1 <= sequence <= 99:
        raise ValueError("A day has at most 99 files.")
    if not re.fullmatch(r"[A-Z0-9]{3}", entity):
        raise ValueError("The submitting-entity code has 3 characters, e.g. NCA.")
    return f"{reported_on:%Y%m%d}_{sequence:02d}_{entity}.txt"


def cvrs_split(
    doses: Iterable[DoseReport],
    *,
    per_file: int = MAX_RECORDS_PER_FILE,
    extract_type: ExtractType = ExtractType.DEIDENTIFIED,
    report: Report | None = None,
) -> Iterator[Iterator[str]]:
    """The doses as consecutive files of at most `per_file` records, each a generator of lines
    (header first); a file is never empty. `report` as for `cvrs_lines`.

    Consume each file before asking for the next (they share one iterator over `doses`).
    """
    records = (cvrs_line(dose, extract_type=extract_type, report=report) for dose in doses)
    return cvrs_split_lines((line for line in records if line is not None), per_file=per_file)


def cvrs_split_lines(
    lines: Iterable[str], *, per_file: int = MAX_RECORDS_PER_FILE
) -> Iterator[Iterator[str]]:
    """Record lines (formatted already) as consecutive files of at most `per_file`, each a
    generator of lines, header first; consume each before asking for the next."""
    source = iter(lines)
    while True:
        try:
            first = next(source)
        except StopIteration:
            return

        def one_file(first=first):
            yield cvrs_header()
            yield first
            # range first: zip stops on it without taking one more line from `source`.
            for _count, line in zip(range(per_file - 1), source, strict=False):
                yield line

        yield one_file()
