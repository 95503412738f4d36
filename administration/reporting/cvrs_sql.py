"""The CVRS line written by PostgreSQL: the 45 fields of `cvrs.cvrs_values` as SQL expressions
over the columns of `selectors.reporting.REPORT_FIELDS`, for `COPY (...) TO STDOUT`.

The Python formatter (`cvrs.cvrs_record`) stays the reference, and the path of every row that
isn't plainly valid: the query marks a row plain only when every check of `cvrs._FORMATS` and
`cvrs.cvrs_problems` passes on the raw values, strictly (codes exactly as the value sets spell
them, ASCII digits where Python's `\\d` takes any). Any other row (a value to leave empty, a
record to leave out, a lower-case code, an odd race list) comes back as its raw values and goes
through Python, which reports it as it always has. The checks may be stricter than Python's,
never looser (tests/administration/test_cvrs_sql.py compares the two over varied data).

Two things are left to Python because PostgreSQL does them slowly (a regular expression per value
cost more than all the rest of the line, measured): free text is sent as recorded and
`copied_line` cleans (`cvrs._clean`) the few lines where a value may need it; and the checks of a
location's or product's values run once per location or product (`selectors.formatted`), not
once per dose.
"""

import re
from collections.abc import Callable, Iterable

from administration.reporting import cvrs

# str.isspace() characters (what Python's strip() removes and re's \s matches).
WHITESPACE = "".join(
    chr(code)
    for code in (
        *range(0x09, 0x0E),
        *range(0x1C, 0x21),
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
)


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only the quote is special)."""
    return "'" + text.replace("'", "''") + "'"


def one_of(values: Iterable[str]) -> str:
    return "(" + ", ".join(literal(value) for value in sorted(values)) + ")"


def all_of(conditions: list[str]) -> str:
    return " AND ".join(f"({condition})" for condition in conditions)


def _shape(expression: str, letters: str, shapes: Iterable[str]) -> str:
    """`expression` has one of `shapes`, each of `letters` written as the first of them:
    translate() and a list, far cheaper in PostgreSQL than a regular expression per value."""
    written = f"translate({expression}, {literal(letters)}, {literal(letters[0] * len(letters))})"
    return f"{written} IN {one_of(shapes)}"


_DIGITS = "9876543210"
_CAPITALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NDC = {"9" * a + "-" + "9" * b + "-" + "9" * c for a in (4, 5) for b in (3, 4) for c in (1, 2)}


def _race_list(values: frozenset[str]) -> str:
    return literal("[" + ", ".join(f'"{value}"' for value in sorted(values)) + "]") + "::jsonb"


def line_sql(
    column: Callable[[str], str], *, extract_type: cvrs.ExtractType, time_zone: str
) -> tuple[list[str], dict[str, list[str]]]:
    """The CVRS line of one row of REPORT_FIELDS (`column(name)` is the SQL of one), its 45
    fields in `cvrs.COLUMNS` order before `cvrs._clean`, and the conditions under which the row
    is plain: once cleaned, its line is what `cvrs.cvrs_line` writes, with nothing to report.
    The conditions come by what they read: the record and its person ("row"), the location and
    its organization ("location"), the product ("product"); the last two can be checked once per
    location or product rather than once per dose.

    Free text is sent as recorded: `cvrs_fixed` cleans the few lines that need it (a regular
    expression per value costs PostgreSQL more than the rest of the line)."""
    given = f"NOT {column('refused')}"
    redacted = extract_type == cvrs.ExtractType.DEIDENTIFIED

    def text(name: str) -> str:
        return f"coalesce({column(name)}, '')"

    def person(name: str) -> str:
        return literal(cvrs.REDACTED) if redacted else text(name)

    def if_given(expression: str) -> str:
        return f"CASE WHEN {given} THEN {expression} ELSE '' END"

    races = column("recipient__races")
    valid, dose_number = column("valid"), column("dose_number")
    primary = (
        f"coalesce(nullif({column('product__series_rule__primary_doses')}, 0), "
        f"nullif({column('product__series_doses')}, 0), 1)"
    )
    pin = f"right({text('location__organization__pin')}, 6)"
    fields = {
        "vax_event_id": f"'CVMS-' || {column('id')}",
        "ext_type": literal(extract_type.value),
        "pprl_id": "''",
        "recip_id": f"'CVMS-R' || {column('recipient')}",
        "recip_first_name": person("recipient__first_name"),
        "recip_middle_name": person("recipient__middle_name"),
        "recip_last_name": person("recipient__last_name"),
        "recip_dob": f"coalesce(to_char({column('recipient__date_of_birth')}, 'YYYY-MM-DD'), '')",
        "recip_sex": text("recipient__sex"),
        "recip_address_street": person("recipient__street"),
        "recip_address_street_2": person("recipient__street_2"),
        "recip_address_city": person("recipient__city"),
        "recip_address_county": text("recipient__county"),
        "recip_address_state": text("recipient__state"),
        "recip_address_zip": text("recipient__zip_code"),
        "recip_race_1": f"coalesce({races} ->> 0, 'UNK')",
        **{f"recip_race_{n}": f"coalesce({races} ->> {n - 1}, '')" for n in range(2, 7)},
        "recip_ethnicity": text("recipient__ethnicity"),
        "admin_date": f"to_char({column('administered_at')} AT TIME ZONE {literal(time_zone)}, 'YYYY-MM-DD')",
        "cvx": text("product__cvx"),
        "ndc": if_given(text("product__ndc")),
        "mvx": if_given(text("product__mvx")),
        "lot_number": if_given(text("lot__number")),
        "vax_expiration": if_given(f"coalesce(to_char({column('lot__expires_on')}, 'YYYY-MM-DD'), '')"),
        "vax_admin_site": if_given(text("site")),
        "vax_route": if_given(text("route")),
        "dose_num": if_given(f"CASE WHEN {valid} THEN {dose_number}::text ELSE 'INV' END"),
        "vax_series_complete": if_given(
            f"CASE WHEN {valid} AND {dose_number} >= {primary} THEN 'YES' ELSE 'NO' END"
        ),
        "responsible_org": text("location__organization__name"),
        "admin_name": text("location__name"),
        "vtrcks_prov_pin": f"CASE WHEN {pin} ~ '^[0-9]{{6}}$' THEN {pin} ELSE '' END",
        "admin_type": f"coalesce(nullif({column('location__site_type')}, ''), 'UNK')",
        "admin_address_street": text("location__address"),
        "admin_address_street_2": "''",
        "admin_address_city": text("location__city"),
        "admin_address_county": text("location__county"),
        "admin_address_state": "'NC'",
        "admin_address_zip": text("location__zip_code"),
        "vax_refusal": f"CASE WHEN {column('refused')} THEN 'YES' ELSE 'NO' END",
        "cmorbid_status": text("recipient__comorbidity"),
        "serology": "'UNK'",
    }
    checks = {
        "row": [
            f"{column('recipient__date_of_birth')} IS NOT NULL",
            f"{column('recipient__sex')} IN {one_of(cvrs.SEX)}",
            f"{fields['recip_address_state']} IN {one_of(cvrs.US_STATES | {''})}",
            _shape(fields["recip_address_county"], _DIGITS, {"", "99999"}),
            _shape(fields["recip_address_zip"], _DIGITS, {"", "99999", "99999-9999"}),
            # At most six codes as the value sets spell them, UNK or POL only first.
            f"CASE WHEN jsonb_typeof({races}) = 'array' THEN jsonb_array_length({races}) <= 6 "
            f"AND {races} <@ {_race_list(cvrs.RACE)} AND ({races} - 0) <@ {_race_list(cvrs.RACE_KNOWN)} "
            "ELSE false END",
            f"{column('recipient__ethnicity')} IN {one_of(cvrs.ETHNICITY)}",
            f"{column('recipient__comorbidity')} IN {one_of(cvrs.YES_NO_UNK)}",
            # What a vaccination must carry (a refusal leaves all of it empty).
            f"""{column("refused")} OR (
                ({valid} IS FALSE OR {dose_number} BETWEEN 1 AND 6)
                AND {text("site")} IN {one_of(cvrs.SITE | {""})}
                AND {text("route")} IN {one_of(cvrs.ROUTE_NCIT | cvrs.ROUTE_HL7 | {""})}
            )""",
        ],
        "location": [
            f"{fields['responsible_org']} <> ''",
            f"{fields['admin_name']} <> ''",
            f"{fields['admin_type']} IN {one_of(cvrs.ADMIN_TYPE)}",
            # A PIN of other characters than ASCII: Python's isdigit() decides what its last six are.
            f"octet_length({pin}) = char_length({pin})",
            _shape(fields["admin_address_county"], _DIGITS, {"", "99999"}),
            _shape(fields["admin_address_zip"], _DIGITS, {"", "99999", "99999-9999"}),
        ],
        # The product's codes are checked for a refusal too (they aren't sent): stricter, not looser.
        "product": [
            _shape(fields["cvx"], _DIGITS, {"9", "99", "999"}),
            _shape(text("product__ndc"), _DIGITS, _NDC | {""}),
            _shape(text("product__mvx"), _CAPITALS, {"", "AA", "AAA"}),
        ],
    }
    return [fields[name] for name in cvrs.COLUMNS], checks


# --- The lines as COPY wrote them ------------------------------------------------------------------

# COPY's text format writes a backslash, and these control characters, as escapes.
_COPY_ESCAPE = re.compile(rb"\\[\\bfnrtv]")
_COPY_UNESCAPED = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def copy_unescape(data: bytes) -> bytes:
    """A value of COPY's text format as it is in the database."""
    return (
        _COPY_ESCAPE.sub(lambda escape: _COPY_UNESCAPED[escape.group()[1:]], data) if b"\\" in data else data
    )


# What may need `cvrs._clean` in a line COPY wrote: an escape (a tab, a line break, a backslash in
# a value), a space beside a tab or at the end, a control character Python counts as whitespace,
# and (in a line with non-ASCII text) any other whitespace. Anywhere, not only at a value's ends:
# such a line is cleaned value by value, which changes nothing where nothing needs it.
_MAY_NEED_CLEANING = (b"\\", b" \t", b"\t ", b" \n")
_CONTROL_SPACE = re.compile(rb"[\x1c-\x1f]")
_OTHER_SPACE = re.compile(b"|".join(re.escape(char.encode()) for char in WHITESPACE if ord(char) > 0x7F))


def _may_need_cleaning(data: bytes) -> bool:
    if any(mark in data for mark in _MAY_NEED_CLEANING) or _CONTROL_SPACE.search(data):
        return True
    return not data.isascii() and _OTHER_SPACE.search(data) is not None


def copied_line(data: bytes, *, report: cvrs.Report | None) -> str | None:
    """A plain row's line from COPY (text format, LF at the end): as written, or, when a value
    may need it, cleaned and checked as `cvrs.cvrs_record` would (None: left out, in the report)."""
    if not _may_need_cleaning(data):
        return data.decode()
    raw = [copy_unescape(value).decode() for value in data[:-1].split(b"\t")]
    values = {name: cvrs._clean(value) for name, value in zip(cvrs.COLUMNS, raw, strict=True)}
    record = cvrs.cvrs_checked(values, event_id=values["vax_event_id"], report=report)
    return None if record is None else "\t".join(record) + "\n"
