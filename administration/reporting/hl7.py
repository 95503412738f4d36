"""HL7 v2.5.1 VXU^V04 messages for the state immunization registry (CDC IG Release 1.5, Z22).

Facts from the CDC's IG as profiled by NIST. One message per dose: MSH, PID, PD1, NK1 (when a next
of kin is known), then one order group ORC, RXA, RXR (when the route is known), OBX... Segments
end with a carriage return. A batch file wraps messages in FHS/BHS ... BTS/FTS.

Every message parses with a strict HL7 v2.5.1 parser (tests/administration/test_conformance.py),
which the IG's profile alone doesn't promise:
- MSH-22 (sending responsible organization) is a v2.7 field the IG profiles on 2.5.1: a strict
  2.5.1 receiver rejects it, so it is sent only where the receiver asks (`Sender.responsible_org`).
- RXA-4 is required in base 2.5.1 (optional in the IG): it repeats RXA-3, as the IG allows.
- RXA-11.4 is the facility's identifier at the registry (HD, at most 20 ASCII characters), never
  the location's display name.
- MSH-18 says `UNICODE UTF-8`: names carry accents. MSH-10 stays within 20 characters.

- A refusal is an RXA with completion status RE, amount 999, the NIP002 reason in RXA-18, no lot
  and no route; its ORC-3 is 9999 (the IG's rule) and the event id travels in ORC-2.
- A correction is sent again with RXA-21 = U, a void with RXA-21 = D; the event id in ORC-3 (or
  ORC-2 for refusals) ties them to the first report.
- A historical dose (given elsewhere, from the person's records) has RXA-9 = 01 and no
  funding eligibility (the IG asks for it of new administrations only).

Every text taken from the database goes through `escape`, so a "|" or "^" in a name can't shift
fields. `vxu_batch_lines` is a generator and holds one message at a time.

Over 450 lines: one small builder per segment of the VXU message, in the IG's order, so that
the file reads top to bottom like the message it writes.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from administration.reporting.cvrs import US_STATES
from administration.reporting.rows import DoseReport

SEGMENT_END = "\r"
ENCODING_CHARACTERS = "^~\\&"

ROUTE_NAMES = {
    "C38238": "Intradermal",
    "C28161": "Intramuscular",
    "C38284": "Nasal",
    "C38276": "Intravenous",
    "C38288": "Oral",
    "C38676": "Percutaneous",
    "C38299": "Subcutaneous",
    "C38305": "Transdermal",
}
SITE_NAMES = {
    "LT": "Left Thigh",
    "LA": "Left Arm",
    "LD": "Left Deltoid",
    "LG": "Left Gluteous Medius",
    "LVL": "Left Vastus Lateralis",
    "LLFA": "Left Lower Forearm",
    "RT": "Right Thigh",
    "RA": "Right Arm",
    "RD": "Right Deltoid",
    "RG": "Right Gluteous Medius",
    "RVL": "Right Vastus Lateralis",
    "RLFA": "Right Lower Forearm",
}
RACE_NAMES = {
    "1002-5": "American Indian or Alaska Native",
    "2028-9": "Asian",
    "2076-8": "Native Hawaiian or Other Pacific Islander",
    "2054-5": "Black or African American",
    "2106-3": "White",
    "2131-1": "Other Race",
}
ETHNICITY_NAMES = {"2135-2": "Hispanic or Latino", "2186-5": "Not Hispanic or Latino"}
REFUSAL_REASONS = {
    "00": "Parental decision",
    "01": "Religious exemption",
    "02": "Other",
    "03": "Patient decision",
}
RELATIONSHIPS = {
    "BRO": "Brother",
    "CGV": "Care giver",
    "CHD": "Child",
    "FCH": "Foster child",
    "FTH": "Father",
    "GRD": "Guardian",
    "GRP": "Grandparent",
    "MTH": "Mother",
    "OTH": "Other",
    "PAR": "Parent",
    "SCH": "Stepchild",
    "SEL": "Self",
    "SIB": "Sibling",
    "SIS": "Sister",
    "SPO": "Spouse",
}
VFC_ELIGIBILITY_NAMES = {
    "V01": "Not VFC eligible",
    "V02": "VFC eligible - Medicaid/Medicaid Managed Care",
    "V03": "VFC eligible - Uninsured",
    "V04": "VFC eligible - American Indian/Alaskan Native",
    "V05": "VFC eligible - Federally Qualified Health Center Patient (under-insured)",
    "V22": "CHIP",
    "V23": "317",
    "V24": "Medicare",
    "V25": "State program eligibility",
}
FUNDING_SOURCE_NAMES = {"VXC1": "Federal funds", "VXC2": "State funds", "PHC70": "Private funds"}
YES_NO_CE = {"YES": "Y^Yes^HL70136", "NO": "N^No^HL70136", "UNK": "UNK^Unknown^NullFlavor"}


MAX_CONTROL_ID = 20  # MSH-10 (ST, 20 in the IG)
CHARACTER_SET = "UNICODE UTF-8"  # MSH-18, HL7 table 0211


class FacilityIdentifier(StrEnum):
    """What identifies the place a dose was given in RXA-11.4, as the registry knows it."""

    IIS = "iis"  # the location's IIS facility id (its PIN when it has none)
    PIN = "pin"  # the provider's state-issued PIN, for registries that key facilities on it


@dataclass(frozen=True)
class Sender:
    """Who sends and who receives (MSH-3 to MSH-6), and what the receiver asks for, from the
    deployment's settings."""

    application: str = "CVMS"
    facility: str = "NCA"  # MSH-4 of the batch headers, and of a message with no organization id
    receiving_application: str = "NCIR"
    receiving_facility: str = "NCDHHS"
    processing_id: str = "P"  # P production, T training, D debugging
    responsible_org: bool = False  # MSH-22: only for a receiver that asks for it (not base 2.5.1)
    facility_identifier: FacilityIdentifier = FacilityIdentifier.IIS


def escape(text: object) -> str:
    """Escape HL7's delimiters in a value (the escape character first), and drop line breaks."""
    if text is None:
        return ""
    value = str(text)
    if not value:
        return ""
    value = (
        value.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )
    return " ".join(value.split())  # CR or LF would end the segment


def _components(*parts: object) -> str:
    """A field of components, each escaped; trailing empty components are dropped."""
    return "^".join(escape(part) for part in parts).rstrip("^")


def _segment(name: str, *fields: str) -> str:
    return "|".join((name, *fields)).rstrip("|")


def _ts(value: datetime) -> str:
    """TS with seconds and zone: YYYYMMDDHHMMSS+ZZZZ (MSH-7)."""
    return value.strftime("%Y%m%d%H%M%S%z")


def _amount(volume: Decimal | None) -> str:
    return "999" if volume is None else format(volume.normalize(), "f")


def _msh(*, sender: Sender, dose: DoseReport, control_id: str, now: datetime) -> str:
    if len(control_id) > MAX_CONTROL_ID:
        raise ValueError(f"MSH-10 {control_id!r} is longer than {MAX_CONTROL_ID} characters.")
    fields = [
        ENCODING_CHARACTERS,
        escape(sender.application),
        # MSH-4: the submitting organization (its PIN), so the registry knows whose doses these are.
        escape(dose.organization_id or sender.facility),
        escape(sender.receiving_application),
        escape(sender.receiving_facility),
        _ts(now),
        "",
        "VXU^V04^VXU_V04",
        escape(control_id),
        sender.processing_id,
        "2.5.1",
        "",
        "",
        "ER",
        "AL",
        "",
        CHARACTER_SET,
        "",
        "",
        "Z22^CDCPHINVS",
    ]
    if sender.responsible_org:
        # MSH-22 sending responsible organization (XON: name, then the identifier in XON-10).
        fields.append(_components(dose.responsible_org, "", "", "", "", "", "", "", "", dose.organization_id))
    return _segment("MSH", *fields)


def _pid(*, sender: Sender, dose: DoseReport) -> str:
    races = "~".join(
        _components(code, RACE_NAMES[code], "CDCREC") for code in dose.races if code in RACE_NAMES
    )
    ethnicity = (
        _components(dose.ethnicity, ETHNICITY_NAMES[dose.ethnicity], "CDCREC")
        if dose.ethnicity in ETHNICITY_NAMES
        else ""
    )
    address_parts = (dose.street, dose.street_2, dose.city, dose.state, dose.zip_code)
    # The country only when the address is in the US: an address abroad is sent as recorded,
    # without claiming a country nobody recorded.
    country = "USA" if dose.state in US_STATES else ""
    address = (
        _components(*address_parts, country, "L", "", dose.county_fips)
        if any(address_parts) or dose.county_fips
        else ""
    )
    phone = ""
    if len(dose.phone) == 10 and dose.phone.isdigit():
        phone = _components("", "PRN", "PH", "", "", dose.phone[:3], dose.phone[3:])
    return _segment(
        "PID",
        "1",
        "",
        _components(dose.recipient_id, "", "", sender.application, "MR"),
        "",
        _components(dose.last_name, dose.first_name, dose.middle_name, "", "", "", "L"),
        "",
        dose.birth_date.strftime("%Y%m%d") if dose.birth_date else "",
        dose.sex if dose.sex in {"M", "F", "U"} else "U",
        "",
        races,
        address,
        "",
        phone,
        *[""] * 8,
        ethnicity,
    )


def _pd1(*, dose: DoseReport) -> str:
    # PD1-16 registry status A (active), with its effective date (PD1-17).
    day = dose.administered_at.strftime("%Y%m%d")
    return _segment("PD1", *[""] * 15, "A", day)


def _nk1(*, dose: DoseReport) -> str | None:
    if not (dose.guardian_last_name and dose.guardian_relationship in RELATIONSHIPS):
        return None
    return _segment(
        "NK1",
        "1",
        _components(dose.guardian_last_name, dose.guardian_first_name, "", "", "", "", "L"),
        _components(dose.guardian_relationship, RELATIONSHIPS[dose.guardian_relationship], "HL70063"),
    )


def _orc(*, sender: Sender, dose: DoseReport) -> str:
    # The IG: ORC-3 is 9999 when RXA-20 is RE or NA; the event id then goes in ORC-2 (placer).
    placer = _components(dose.event_id, sender.application) if dose.refused else ""
    filler = "9999" if dose.refused else _components(dose.event_id, sender.application)
    entered_by = _components("", dose.entered_by_last_name, dose.entered_by_first_name)
    entering_org = _components(dose.organization_id, dose.responsible_org, "HL70362")
    return _segment("ORC", "RE", placer, filler, *[""] * 6, entered_by, "", "", *[""] * 4, entering_org)


def _facility(*, sender: Sender, dose: DoseReport) -> str:
    """RXA-11.4 (HD namespace id): the registry's identifier of the place, never its name."""
    if sender.facility_identifier == FacilityIdentifier.IIS and dose.facility_id:
        return escape(dose.facility_id)
    return escape(dose.organization_id)


def _rxa(*, sender: Sender, dose: DoseReport) -> str:
    code = _components(dose.cvx, dose.product_name, "CVX")
    if dose.ndc and not dose.refused:
        code = _components(dose.cvx, dose.product_name, "CVX", dose.ndc, dose.product_name, "NDC")
    day = dose.administered_at.strftime("%Y%m%d")
    common = ["0", "1", day, day, code]  # RXA-4 = RXA-3: required in base 2.5.1
    if dose.refused:
        return _segment(
            "RXA",
            *common,
            "999",
            *[""] * 11,
            _components(dose.refusal_reason, REFUSAL_REASONS.get(dose.refusal_reason, ""), "NIP002"),
            "",
            "RE",
            dose.action.value,
        )
    source = (
        "01^Historical information - source unspecified^NIP001"
        if dose.historical
        else "00^New immunization record^NIP001"
    )
    vaccinator = (
        _components(
            dose.vaccinator_id,
            dose.vaccinator_last_name,
            dose.vaccinator_first_name,
            *[""] * 17,
            dose.vaccinator_suffix,
        )
        if dose.vaccinator_last_name
        else ""
    )
    # RXA-11 (LA2): the facility's identifier in component 4, site type in 6, address 9-16.
    location = "^".join(
        [
            "",
            "",
            "",
            _facility(sender=sender, dose=dose),
            "",
            escape(dose.admin_type),
            "",
            "",
            escape(dose.admin_street),
            escape(dose.admin_street_2),
            escape(dose.admin_city),
            escape(dose.admin_state),
            escape(dose.admin_zip),
            "USA" if dose.admin_state in US_STATES else "",
            "L",
            escape(dose.admin_county_fips),
        ]
    ).rstrip("^")
    return _segment(
        "RXA",
        *common,
        _amount(dose.volume_ml),
        "mL^mL^UCUM" if dose.volume_ml is not None else "",
        "",
        source,
        vaccinator,
        location,
        "",
        "",
        "",
        escape(dose.lot_number),
        dose.lot_expiration.strftime("%Y%m%d") if dose.lot_expiration else "",
        _components(dose.mvx, dose.manufacturer, "MVX") if dose.mvx else "",
        "",
        "",
        dose.completion if dose.completion in ("CP", "PA") else "CP",
        dose.action.value,
    )


def _rxr(*, dose: DoseReport) -> str | None:
    if dose.refused or dose.route not in ROUTE_NAMES:
        return None
    site = _components(dose.site, SITE_NAMES[dose.site], "HL70163") if dose.site in SITE_NAMES else ""
    return _segment("RXR", _components(dose.route, ROUTE_NAMES[dose.route], "NCIT"), site)


def _funding_observations(dose: DoseReport) -> list[tuple]:
    """IZ-23: a new administration carries its funding eligibility, captured for this dose (and
    the funding source when known). A historical dose carries neither: the IG asks them of new
    administrations only, and nobody here knows how a dose given elsewhere was paid for."""
    if dose.historical:
        return []
    observations = []
    if dose.vfc_eligibility in VFC_ELIGIBILITY_NAMES:
        observations.append(
            (
                "CE",
                "64994-7^Vaccine funding program eligibility category^LN",
                "1",
                _components(dose.vfc_eligibility, VFC_ELIGIBILITY_NAMES[dose.vfc_eligibility], "HL70064"),
                "",
                "VXC40^Eligibility captured at the immunization level^CDCPHINVS",
            )
        )
    if dose.funding_source in FUNDING_SOURCE_NAMES:
        observations.append(
            (
                "CE",
                "30963-3^Vaccine funding source^LN",
                "1",
                _components(dose.funding_source, FUNDING_SOURCE_NAMES[dose.funding_source], "CDCPHINVS"),
                "",
                "",
            )
        )
    return observations


def _vis_observations(dose: DoseReport) -> list[tuple]:
    """IZ-24: the VIS given, as {69764-9 document (GS1 barcode) + 29769-7 date given} or, without
    a barcode, {30956-7 vaccine group + 29768-9 edition date + 29769-7 date given}, one sub-id."""
    given = dose.vis_given_on.strftime("%Y%m%d") if dose.vis_given_on else ""
    if not given:
        return []
    if dose.vis_barcode:
        return [
            ("CE", "69764-9^Document type^LN", "6", _components(dose.vis_barcode, "", "cdcgs1vis"), "", ""),
            ("DT", "29769-7^Date vaccine information statement presented^LN", "6", given, "", ""),
        ]
    if dose.vis_edition and dose.vis_vaccine_group:
        return [
            ("CE", "30956-7^Vaccine type^LN", "6", _components(dose.vis_vaccine_group, "", "CVX"), "", ""),
            (
                "DT",
                "29768-9^Date vaccine information statement published^LN",
                "6",
                dose.vis_edition.strftime("%Y%m%d"),
                "",
                "",
            ),
            ("DT", "29769-7^Date vaccine information statement presented^LN", "6", given, "", ""),
        ]
    return []


def _obx(*, dose: DoseReport) -> list[str]:
    day = dose.administered_at.strftime("%Y%m%d")
    observations = []  # (value type, identifier, sub-id, value, units, method)
    if not dose.refused:
        observations += _funding_observations(dose) + _vis_observations(dose)
        if dose.dose_number in {"1", "2", "3", "4", "5", "6"}:
            observations.append(
                ("NM", "30973-2^Dose number in series^LN", "2", dose.dose_number, "NA^^HL70353", "")
            )
        observations.append(
            (
                "CE",
                "59783-1^Status in immunization series^LN",
                "3",
                YES_NO_CE.get(dose.series_complete, YES_NO_CE["UNK"]),
                "",
                "",
            )
        )
    observations += [
        (
            "CE",
            "VXC8^Member of Special Risk Group^CDCPHINVS",
            "4",
            YES_NO_CE.get(dose.comorbidity, YES_NO_CE["UNK"]),
            "",
            "",
        ),
        (
            "CE",
            "75505-8^Serological Evidence of Immunity^LN",
            "5",
            YES_NO_CE.get(dose.serology, YES_NO_CE["UNK"]),
            "",
            "",
        ),
    ]
    return [
        _segment("OBX", str(n), kind, ident, sub, value, units, *[""] * 4, "F", "", "", day, "", "", method)
        for n, (kind, ident, sub, value, units, method) in enumerate(observations, start=1)
    ]


def vxu_message(dose: DoseReport, *, control_id: str, now: datetime, sender: Sender = Sender()) -> str:
    """One VXU^V04 message for one dose, each segment ending with CR."""
    segments = [
        _msh(sender=sender, dose=dose, control_id=control_id, now=now),
        _pid(sender=sender, dose=dose),
        _pd1(dose=dose),
        _nk1(dose=dose),
        _orc(sender=sender, dose=dose),
        _rxa(sender=sender, dose=dose),
        _rxr(dose=dose),
        *_obx(dose=dose),
    ]
    return "".join(segment + SEGMENT_END for segment in segments if segment)


def _header(name: str, *, sender: Sender, now: datetime, control_id: str, batch_name: str = "") -> str:
    return _segment(
        name,
        ENCODING_CHARACTERS,
        escape(sender.application),
        escape(sender.facility),
        escape(sender.receiving_application),
        escape(sender.receiving_facility),
        _ts(now),
        "",
        escape(batch_name),
        "",
        escape(control_id),
    )


def vxu_batch_lines(
    doses: Iterable[DoseReport],
    *,
    batch_id: str,
    now: datetime,
    sender: Sender = Sender(),
    number: Callable[[int], str] = str,
) -> Iterator[str]:
    """A batch file (FHS, BHS, messages, BTS with the count, FTS), piece by piece.

    Message control ids are `<batch_id>-<number(n)>`, unique as long as batch ids are.
    """
    messages = (
        vxu_message(dose, control_id=f"{batch_id}-{number(n)}", now=now, sender=sender)
        for n, dose in enumerate(doses, start=1)
    )
    return vxu_batch_wrapped(messages, batch_id=batch_id, now=now, sender=sender)


def vxu_batch_wrapped(
    messages: Iterable[str], *, batch_id: str, now: datetime, sender: Sender = Sender()
) -> Iterator[str]:
    """The batch file of messages already written: FHS, BHS, the messages, BTS, FTS."""
    yield (
        _header("FHS", sender=sender, now=now, control_id=batch_id, batch_name=f"{batch_id}.hl7")
        + SEGMENT_END
    )
    yield _header("BHS", sender=sender, now=now, control_id=batch_id) + SEGMENT_END
    count = 0
    for message in messages:
        count += 1
        yield message
    yield _segment("BTS", str(count)) + SEGMENT_END
    yield _segment("FTS", "1") + SEGMENT_END
