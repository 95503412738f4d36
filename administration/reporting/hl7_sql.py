"""The VXU message written by PostgreSQL: `hl7.vxu_message` of `selectors.reporting.dose_report`
as SQL over the columns of `REPORT_FIELDS`, for `COPY (...) TO STDOUT` (`selectors.formatted`).

The Python builder stays the reference, and the path of every row that isn't plain: the query
marks a row plain only when none of its text values needs `hl7.escape` (no delimiter, no
whitespace but single spaces inside), so that the SQL can join values as they are and trim
trailing delimiters with rtrim() as the builder's rstrip() does. The checks may be stricter than
Python needs, never looser (tests/administration/test_hl7_sql.py compares the two).

The message comes in two pieces around MSH-10, which Python writes (the control id counts the
messages of the file), and without MSH-1 and MSH-2 ("|^~\\&"): in a plain row the only backslashes
COPY writes are then those of the segments' carriage returns ("\\r"), undone by one replace.
"""

from collections.abc import Callable
from datetime import datetime

from administration.reporting import hl7
from administration.reporting.cvrs import US_STATES
from administration.reporting.cvrs_sql import WHITESPACE, literal, one_of
from administration.reporting.rows import COVID_19_CVX, COVID_19_VACCINE_GROUP, INFLUENZA_VACCINE_GROUP

EMPTY, LETTER_L, CR = "''", "'L'", "'\r'"  # SQL literals
MAX_RACES = 6  # what CVRS allows
# How each OBX starts in a plain message, its set id (OBX-1) left for Python to number: no value
# of a plain row holds a CR or a "|", so nothing else in the message reads so.
OBX_START = "\rOBX||"
SEPARATOR = "\x01"  # between the values of a row's text check: no value is plain with it beside a space
# A delimiter, any whitespace but a space, two spaces, a space at a value's start or end.
_NOT_PLAIN = "[|^~&\\\\" + WHITESPACE.replace(" ", "") + f"]|  |{SEPARATOR} | {SEPARATOR}"
# Text values of each scope, as `hl7.escape` would see them (None as empty).
_ROW_TEXT = (
    "recipient__first_name",
    "recipient__middle_name",
    "recipient__last_name",
    "recipient__street",
    "recipient__street_2",
    "recipient__city",
    "recipient__state",
    "recipient__zip_code",
    "recipient__county",
    "recipient__guardian_first_name",
    "recipient__guardian_last_name",
    "lot__number",
    "vaccinator__first_name",
    "vaccinator__last_name",
    "recorded_by__first_name",
    "recorded_by__last_name",
    "vis_barcode",
    "refusal_reason",
)
_LOCATION_TEXT = (
    "location__organization__name",
    "location__organization__pin",
    "location__iis_facility_id",
    "location__site_type",
    "location__address",
    "location__city",
    "location__zip_code",
    "location__county",
)
_PRODUCT_TEXT = ("product__cvx", "product__name", "product__ndc", "product__mvx", "product__manufacturer")


def _case(expression: str, names: dict[str, str], *, suffix: str) -> str:
    """`code^name^suffix` for a code of `names`, else NULL."""
    whens = " ".join(
        f"WHEN {literal(code)} THEN {literal(f'{code}^{name}^{suffix}')}"
        for code, name in sorted(names.items())
    )
    return f"CASE {expression} {whens} END"


def _joined(separator: str, parts: list[str]) -> str:
    """The parts (SQL text; concat() takes NULL as empty) joined by `separator`, by one concat():
    a chain of "||" copies the text so far at each step, which cost more than the rest did."""
    between = [part for each in parts for part in (each, literal(separator))][:-1]
    return f"concat({', '.join(between)})"


def _components(*parts: str) -> str:
    """`hl7._components` of plain values (no "^" in them): joined, trailing "^" trimmed."""
    return f"rtrim({_joined('^', parts)}, '^')"


def _segment(name: str, *fields: str) -> str:
    return f"rtrim({_joined('|', [literal(name), *fields])}, '|')"


def _text_check(column: Callable[[str], str], names: tuple[str, ...]) -> str:
    """None of the values (NULL as empty) needs escaping: one regular expression over them all."""
    values = _joined(SEPARATOR, [EMPTY, *(column(name) for name in names), EMPTY])
    return f"{values} !~ {literal(_NOT_PLAIN)}"


def _sender_plain(sender: hl7.Sender) -> bool:
    values = (
        sender.application,
        sender.facility,
        sender.receiving_application,
        sender.receiving_facility,
        sender.processing_id,
    )
    return all(hl7.escape(value) == value for value in values)


def message_sql(
    column: Callable[[str], str], *, sender: hl7.Sender, now: datetime, time_zone: str
) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """The message of one row of REPORT_FIELDS as two SQL expressions (before and after MSH-10;
    MSH-1 and MSH-2 left out), the conditions under which the row is plain, by what they read
    ("row", "location", "product", as `cvrs_sql.line_sql` gives them), and the values the
    expressions read as `v.<name>`, computed once per row (the day is in nine places)."""

    def text(name: str) -> str:
        return f"coalesce({column(name)}::text, '')"

    def day_of(name: str) -> str:
        return f"coalesce(to_char({column(name)}, 'YYYYMMDD'), '')"

    refused, given = column("refused"), f"NOT {column('refused')}"
    app = literal(sender.application)
    day = "v.day"  # computed once per row
    pin = text("location__organization__pin")
    org = text("location__organization__name")
    event_id = f"('CVMS-' || {column('id')})"

    receiver = [
        literal(sender.receiving_application),
        literal(sender.receiving_facility),
        literal(hl7._ts(now)),
    ]
    organization = f"coalesce(nullif({pin}, ''), {literal(sender.facility)})"
    head = _joined("|", [app, organization, *receiver, EMPTY, "'VXU^V04^VXU_V04'", EMPTY])
    msh_tail = [
        sender.processing_id,
        "2.5.1",
        "",
        "",
        "ER",
        "AL",
        "",
        hl7.CHARACTER_SET,
        "",
        "",
        "Z22^CDCPHINVS",
    ]
    msh = literal("|" + "|".join(msh_tail))
    if sender.responsible_org:
        msh = f"rtrim({msh} || '|' || {_components(org, *[EMPTY] * 8, pin)}, '|')"

    # PID
    races = column("recipient__races")
    # Each of the first six codes, named, or NULL (skipped by concat_ws, as Python skips an
    # unknown code); a longer list goes through Python.
    race_names = (_case(f"{races} ->> {n}", hl7.RACE_NAMES, suffix="CDCREC") for n in range(MAX_RACES))
    race_field = (
        f"CASE WHEN jsonb_typeof({races}) = 'array' THEN concat_ws('~', {', '.join(race_names)}) ELSE '' END"
    )
    address_parts = [
        text(f"recipient__{name}") for name in ("street", "street_2", "city", "state", "zip_code")
    ]
    county = text("recipient__county")
    country = f"CASE WHEN {text('recipient__state')} IN {one_of(US_STATES)} THEN 'USA' ELSE '' END"
    address = (
        f"CASE WHEN {' || '.join([*address_parts, county])} <> '' "
        f"THEN {_components(*address_parts, country, LETTER_L, EMPTY, county)} ELSE '' END"
    )
    phone = text("recipient__phone")
    # `reporting._digits`: ten digits, or eleven with the country's 1 first.
    phone_field = (
        "CASE length(v.digits) WHEN 10 THEN '^PRN^PH^^^' || left(v.digits, 3) || '^' || right(v.digits, 7) "
        "WHEN 11 THEN CASE WHEN left(v.digits, 1) = '1' "
        "THEN '^PRN^PH^^^' || substr(v.digits, 2, 3) || '^' || right(v.digits, 7) ELSE '' END ELSE '' END"
    )
    sex = text("recipient__sex")
    pid = _segment(
        "PID",
        "'1'",
        "''",
        _components(f"'CVMS-R' || {column('recipient')}", "''", "''", app, "'MR'"),
        "''",
        _components(
            *(text(f"recipient__{n}_name") for n in ("last", "first", "middle")), "''", "''", "''", "'L'"
        ),
        "''",
        day_of("recipient__date_of_birth"),
        f"CASE WHEN {sex} IN ('M', 'F', 'U') THEN {sex} ELSE 'U' END",
        "''",
        race_field,
        address,
        "''",
        phone_field,
        *["''"] * 8,
        f"coalesce({_case(text('recipient__ethnicity'), hl7.ETHNICITY_NAMES, suffix='CDCREC')}, '')",
    )
    pd1 = f"'PD1' || repeat('|', 16) || 'A|' || {day}"
    relationship = text("recipient__guardian_relationship")
    guardian_names = (text("recipient__guardian_last_name"), text("recipient__guardian_first_name"))
    guardian = _components(*guardian_names, *[EMPTY] * 4, LETTER_L)
    nk1 = (
        f"CASE WHEN {guardian_names[0]} <> '' AND {relationship} IN {one_of(hl7.RELATIONSHIPS)} "
        f"THEN 'NK1|1|' || {guardian} "
        f"|| '|' || {_case(relationship, hl7.RELATIONSHIPS, suffix='HL70063')} || '\r' ELSE '' END"
    )
    orc = _segment(
        "ORC",
        "'RE'",
        f"CASE WHEN {refused} THEN {event_id} || '^' || {app} ELSE '' END",
        f"CASE WHEN {refused} THEN '9999' ELSE {event_id} || '^' || {app} END",
        *["''"] * 6,
        _components("''", text("recorded_by__last_name"), text("recorded_by__first_name")),
        "''",
        "''",
        *["''"] * 4,
        f"{pin} || '^' || {org} || '^HL70362'",
    )
    rxa = _rxa(column, text, day_of, sender=sender, day=day)
    route, site = text("route"), text("site")
    rxr = (
        f"CASE WHEN {given} AND {route} IN {one_of(hl7.ROUTE_NAMES)} THEN "
        + _segment(
            "RXR",
            _case(route, hl7.ROUTE_NAMES, suffix="NCIT"),
            f"coalesce({_case(site, hl7.SITE_NAMES, suffix='HL70163')}, '')",
        )
        + " || '\r' ELSE '' END"
    )
    # NK1, RXR and the OBXs end with their own CR (NK1 and RXR are empty when absent).
    segments = [msh, CR, pid, CR, pd1, CR, nk1, orc, CR, rxa, CR, rxr, _obx(column, text, day_of, day=day)]
    tail = f"concat({', '.join(segments)})"
    description = text("product__cvx_description")
    checks = {
        "row": [
            "true" if _sender_plain(sender) else "false",
            _text_check(column, _ROW_TEXT),
            f"coalesce(jsonb_typeof({races}) = 'array' AND jsonb_array_length({races}) <= {MAX_RACES}, true)",
            # Python's isdigit() takes other digits than ASCII's.
            f"octet_length({phone}) = char_length({phone})",
            *(
                f"coalesce({column(name)} >= '1000-01-01', true)"  # strftime writes year 999 as 999
                for name in ("recipient__date_of_birth", "lot__expires_on", "vis_edition", "vis_given_on")
            ),
            f"{column('administered_at')} >= '1000-01-02'",
        ],
        "location": [_text_check(column, _LOCATION_TEXT)],
        "product": [  # the description decides the VIS's vaccine group by upper(): ASCII only
            _text_check(column, _PRODUCT_TEXT),
            f"octet_length({description}) = char_length({description})",
        ],
    }
    computed = {
        "day": f"to_char({column('administered_at')} AT TIME ZONE {literal(time_zone)}, 'YYYYMMDD')",
        "digits": f"translate({phone}, translate({phone}, '0123456789', ''), '')",
    }
    return [head, tail], checks, computed


def _rxa(column, text, day_of, *, sender: hl7.Sender, day: str) -> str:
    refused = column("refused")
    cvx, name, ndc, mvx = (
        text("product__cvx"),
        text("product__name"),
        text("product__ndc"),
        text("product__mvx"),
    )
    code = (
        f"CASE WHEN NOT {refused} AND {ndc} <> '' "
        f"THEN {cvx} || '^' || {name} || '^CVX^' || {ndc} || '^' || {name} || '^NDC' "
        f"ELSE {cvx} || '^' || {name} || '^CVX' END"
    )
    status, sent = column("status"), column("hl7_sent__version")  # NULL: never sent
    action = f"CASE WHEN {status} = 'voided' THEN 'D' WHEN {sent} > 0 THEN 'U' ELSE 'A' END"
    common = f"'0|1|' || {day} || '|' || {day} || '|' || {code}"
    reason = f"coalesce(nullif({text('refusal_reason')}, ''), '03')"
    reason_name = f"coalesce({_case(reason, hl7.REFUSAL_REASONS, suffix='NIP002')}, {reason} || '^^NIP002')"
    refusal = f"concat('RXA|', {common}, '|999', repeat('|', 12), {reason_name}, '||RE|', {action})"

    volume = column("volume_ml")
    manufacturer = _components(mvx, text("product__manufacturer"), literal("MVX"))
    vaccinator = (
        f"CASE WHEN {text('vaccinator__last_name')} <> '' THEN "
        + _components(
            f"coalesce('CVMS-U' || {column('vaccinator')}, '')",
            text("vaccinator__last_name"),
            text("vaccinator__first_name"),
        )
        + " ELSE '' END"
    )
    facility = text("location__organization__pin")
    if sender.facility_identifier == hl7.FacilityIdentifier.IIS:
        facility = f"coalesce(nullif({text('location__iis_facility_id')}, ''), {facility})"
    location = (
        f"rtrim('^^^' || {facility} || '^^' || coalesce(nullif({text('location__site_type')}, ''), 'UNK') "
        f"|| '^^^' || {text('location__address')} || '^^' || {text('location__city')} "
        f"|| '^NC^' || {text('location__zip_code')} "
        f"|| '^USA^L^' || {text('location__county')}, '^')"
    )
    findings = text("invalid_findings")
    sub_potent = (
        f"coalesce(NOT {column('valid')} AND 'wrong_volume' = ANY(string_to_array({findings}, ',')) "
        f"AND {volume} < {column('product__dose_volume_ml')}, false)"
    )
    historical = column("historical")
    given = _joined(
        "|",
        [
            f"coalesce(trim_scale({volume})::text, '999')",
            f"CASE WHEN {volume} IS NULL THEN '' ELSE 'mL^mL^UCUM' END",
            "''",
            f"CASE WHEN {historical} THEN '01^Historical information - source unspecified^NIP001' "
            "ELSE '00^New immunization record^NIP001' END",
            vaccinator,
            location,
            "''",
            "''",
            "''",
            text("lot__number"),
            day_of("lot__expires_on"),
            f"CASE WHEN {mvx} <> '' THEN {manufacturer} ELSE '' END",
            "''",
            "''",
            f"CASE WHEN {sub_potent} THEN 'PA' ELSE 'CP' END",
            action,
        ],
    )
    return f"CASE WHEN {refused} THEN {refusal} ELSE concat('RXA|', {common}, '|', {given}) END"


def _yes_no(expression: str) -> str:
    """`hl7.YES_NO_CE` of YES, NO, anything else."""
    whens = " ".join(f"WHEN {literal(code)} THEN {literal(value)}" for code, value in hl7.YES_NO_CE.items())
    return f"CASE {expression} {whens} ELSE {literal(hl7.YES_NO_CE['UNK'])} END"


def _obx(column, text, day_of, *, day: str) -> str:
    """The OBX segments, numbered from 1 over those present (each with its CR)."""
    refused, valid, dose_number = column("refused"), column("valid"), column("dose_number")
    new = f"NOT {refused} AND NOT {column('historical')}"
    given_on = day_of("vis_given_on")
    barcode = text("vis_barcode")
    cvx = text("product__cvx")
    group = (
        f"CASE WHEN {cvx} IN {one_of(COVID_19_CVX)} THEN {literal(COVID_19_VACCINE_GROUP)} "
        f"WHEN upper({text('product__cvx_description')}) LIKE '%INFLUENZA%' "
        f"THEN {literal(INFLUENZA_VACCINE_GROUP)} "
        f"ELSE {cvx} END"
    )
    presented = f"'DT|29769-7^Date vaccine information statement presented^LN|6|' || {given_on}"
    vis_given = f"NOT {refused} AND {column('vis_given_on')} IS NOT NULL"
    by_edition = f"{vis_given} AND {barcode} = '' AND {column('vis_edition')} IS NOT NULL AND {group} <> ''"
    primary = (
        f"coalesce(nullif({column('product__series_rule__primary_doses')}, 0), "
        f"nullif({column('product__series_doses')}, 0), 1)"
    )
    comorbidity = _yes_no(text("recipient__comorbidity"))
    series = f"CASE WHEN {valid} AND {dose_number} >= {primary} THEN 'YES' ELSE 'NO' END"
    observations = [  # (when, "type|identifier|sub-id|value|units", method)
        (
            new,
            f"'CE|64994-7^Vaccine funding program eligibility category^LN|1|' || "
            f"{_case(text('vfc_eligibility'), hl7.VFC_ELIGIBILITY_NAMES, suffix='HL70064')} || '|'",
            "VXC40^Eligibility captured at the immunization level^CDCPHINVS",
        ),
        (
            new,
            f"'CE|30963-3^Vaccine funding source^LN|1|' || "
            f"{_case(text('funding_source'), hl7.FUNDING_SOURCE_NAMES, suffix='CDCPHINVS')} || '|'",
            "",
        ),
        (
            f"{vis_given} AND {barcode} <> ''",
            f"'CE|69764-9^Document type^LN|6|' || {barcode} || '^^cdcgs1vis|'",
            "",
        ),
        (f"{vis_given} AND {barcode} <> ''", f"{presented} || '|'", ""),
        (by_edition, f"'CE|30956-7^Vaccine type^LN|6|' || {group} || '^^CVX|'", ""),
        (
            by_edition,
            f"'DT|29768-9^Date vaccine information statement published^LN|6|' || {day_of('vis_edition')} "
            "|| '|'",
            "",
        ),
        (by_edition, f"{presented} || '|'", ""),
        (
            f"NOT {refused} AND {valid} AND {dose_number} BETWEEN 1 AND 6",
            f"'NM|30973-2^Dose number in series^LN|2|' || {dose_number} || '|NA^^HL70353'",
            "",
        ),
        (
            f"NOT {refused}",
            f"'CE|59783-1^Status in immunization series^LN|3|' || {_yes_no(series)} || '|'",
            "",
        ),
        (
            "true",
            f"'CE|VXC8^Member of Special Risk Group^CDCPHINVS|4|' || {comorbidity} || '|'",
            "",
        ),
        ("true", "'CE|75505-8^Serological Evidence of Immunity^LN|5|UNK^Unknown^NullFlavor|'", ""),
    ]
    rest = f"'|||||F|||' || {day}"
    items = ", ".join(
        f"CASE WHEN {when} THEN rtrim({body} || {rest} || {literal('|||' + method)}, '|') END"
        for when, body, method in observations
    )
    # concat_ws skips the observations absent (NULL); Python numbers them (OBX_START).
    return f"concat({literal(OBX_START[1:])}, concat_ws({literal(OBX_START)}, {items}), '\r')"
