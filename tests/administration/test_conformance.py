"""The conformance set of issue 16: a record set that covers doses, refusals, historical doses,
corrections, voids, minors (with their guardian, VFC eligibility and VIS), foreign addresses and
names with HL7's delimiters, exported as a receiving registry would read it: every VXU message
parsed by a strict HL7 v2.5.1 parser, every CVRS row checked against the specification's rules
(tests/administration/conformance.py says how)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from administration.reporting import cvrs
from administration.services import files as exports
from administration.services import recording
from cvms.roles import Role
from tests.administration.conformance import cvrs_row_problems, cvrs_rows, strict_batch, strict_vxu, value
from tests.administration.factories import HistoricalRecordFactory
from tests.enrollment.factories import OrganizationFactory
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

DELIMITERS = "^&~\\|"


def _details(lot, *, dose_number=1, minutes_ago=30, **extra):
    return recording.DoseDetails(
        product=lot.product,
        lot=lot,
        dose_number=dose_number,
        administered_at=timezone.now() - timedelta(minutes=minutes_ago),
        route="C28161",
        site="LD",
        volume_ml=Decimal("0.30"),
        **extra,
    )


@pytest.fixture
def registry_set():
    """Every kind of record a registry receives, at a location whose names are long and not ASCII."""
    organization = OrganizationFactory(name="Servicios de Salud del Condado de Wake — Región Norte")
    location = LocationFactory(
        organization=organization,
        name="Clínica de Vacunación Pública del Condado de Wake, Edificio Norte",
        address="1 Calle Mayor",
        city="Raleigh",
        zip_code="27601",
        site_type="19",
        iis_facility_id="WAKE-N-0001",
    )
    location, lot = stock(location=location, lot=LotFactory(), doses=20)
    vaccinator = UserFactory(first_name="Nuria", last_name="Enfermera")
    admin = member(organization, Role.PROVIDER_ADMIN)
    people = {
        "delimiters": RecipientFactory(
            first_name=f"Zoë{DELIMITERS}",
            middle_name="A^B",
            last_name=f"O'Brien{DELIMITERS}",
            street="1 A|B St",
        ),
        "foreign": RecipientFactory(
            first_name="Émile",
            last_name="Tremblay",
            street="24 Sussex Dr",
            city="Ottawa",
            state="ON",
            zip_code="K1M 1M4",
            county_id=None,
        ),
        "refusing": RecipientFactory(first_name="Bo", last_name="Smith", races=[], ethnicity="UNK"),
        "corrected": RecipientFactory(first_name="Cora", last_name="Rectified"),
        "voided": RecipientFactory(first_name="Vic", last_name="Voided"),
        "minor": RecipientFactory(
            first_name="Niño",
            last_name="Pérez",
            date_of_birth=timezone.localdate() - timedelta(days=365 * 13),
            guardian_first_name="Rosa|María",
            guardian_last_name="Pérez^López",
            guardian_relationship="MTH",
        ),
    }
    records = {}
    for name in ("delimiters", "foreign", "corrected", "voided"):
        records[name] = recording.dose_record(
            recipient=people[name], location=location, details=_details(lot), by=vaccinator
        )
    records["minor"] = recording.dose_record(
        recipient=people["minor"],
        location=location,
        details=_details(lot, vfc_eligibility="V03", vis_barcode="253088698300026411121116"),
        by=vaccinator,
    )
    records["historical"] = HistoricalRecordFactory(
        recipient=RecipientFactory(first_name="Hana", last_name="Historia"), location=location
    )
    records["refusal"] = recording.refusal_record(
        recipient=people["refusing"],
        location=location,
        product=lot.product,
        refused_at=timezone.now() - timedelta(minutes=20),
        reason="03",
        by=vaccinator,
    )
    return {"location": location, "lot": lot, "admin": admin, "people": people, "records": records}


def _hl7(*, since_last: bool) -> str:
    out = io.StringIO()
    exports.hl7_mark_sent(exports.hl7_write(out, since_last=since_last))
    return out.getvalue()


def _change_after_sending(registry_set) -> None:
    """A correction and a void of records already sent."""
    records, admin, lot = registry_set["records"], registry_set["admin"], registry_set["lot"]
    recording.dose_correct(
        record=records["corrected"], details=_details(lot, minutes_ago=25), reason="Time misread", by=admin
    )
    recording.dose_void(record=records["voided"], reason="Entered for the wrong person", by=admin)


def test_every_vxu_message_of_the_conformance_set_passes_a_strict_hl7_2_5_1_parse(registry_set):
    first = _hl7(since_last=True)
    _change_after_sending(registry_set)
    second = _hl7(since_last=True)

    messages = strict_batch(first) + strict_batch(second)

    assert len(messages) == 7 + 2
    actions = [(value(m.VXU_V04_ORDER.RXA.RXA_20), value(m.VXU_V04_ORDER.RXA.RXA_21)) for m in messages]
    assert sorted(actions[:7]) == [("CP", "A")] * 6 + [("RE", "A")]
    assert sorted(actions[7:]) == [("CP", "D"), ("CP", "U")]


def test_names_with_every_hl7_delimiter_are_read_back_by_the_strict_parser(registry_set):
    messages = strict_batch(_hl7(since_last=False))
    message = next(m for m in messages if value(m.PID.PID_5.XPN_1.FN_1).startswith("O'Brien"))

    name = message.PID.PID_5
    assert (value(name.XPN_1.FN_1), value(name.XPN_2), value(name.XPN_3)) == (
        f"O'Brien{DELIMITERS}",
        f"Zoë{DELIMITERS}",
        "A^B",
    )


def test_rxa_11_carries_the_locations_iis_facility_id_not_its_display_name(registry_set):
    (message, *_rest) = strict_batch(_hl7(since_last=False))

    assert value(message.VXU_V04_ORDER.RXA.RXA_11.LA2_4) == "WAKE-N-0001"


def test_every_cvrs_row_of_the_conformance_set_passes_the_specifications_rules(registry_set):
    for extract_type in cvrs.ExtractType.DEIDENTIFIED, cvrs.ExtractType.IDENTIFIED:
        out = io.StringIO()
        today = timezone.localdate()
        result = exports.cvrs_write(
            out, start=today - timedelta(days=365), end=today, extract_type=extract_type
        )

        rows = cvrs_rows(out.getvalue())

        assert len(rows) == 7 and result.records == 7
        assert {row["vax_event_id"]: cvrs_row_problems(row) for row in rows} == {
            row["vax_event_id"]: [] for row in rows
        }


def test_a_message_whose_control_id_is_longer_than_20_is_not_made(registry_set):
    from administration.reporting.hl7 import vxu_message
    from administration.selectors import reporting

    (dose, *_rest) = reporting.dose_reports(reporting.records_for_hl7(since_last=False), for_hl7=True)
    with pytest.raises(ValueError, match="MSH-10"):
        vxu_message(dose, control_id="CVMS20210116080509-10", now=timezone.now())
    strict_vxu(vxu_message(dose, control_id="C1-10", now=timezone.now()))


def test_a_minors_message_carries_the_guardian_eligibility_and_vis(registry_set):
    messages = strict_batch(_hl7(since_last=False))
    (message,) = [m for m in messages if value(m.PID.PID_5.XPN_1.FN_1) == "Pérez"]

    guardian = message.NK1.NK1_2
    assert (value(guardian.XPN_1.FN_1), value(guardian.XPN_2), value(message.NK1.NK1_3.CE_1)) == (
        "Pérez^López",
        "Rosa|María",
        "MTH",
    )
    observations = {
        value(group.OBX.OBX_3.CE_1): value(group.OBX.OBX_5)
        for group in message.VXU_V04_ORDER.VXU_V04_OBSERVATION
    }
    assert observations["64994-7"].startswith("V03^")
    assert observations["69764-9"] == "253088698300026411121116^^cdcgs1vis"


def test_a_historical_dose_is_sent_as_historical(registry_set):
    messages = strict_batch(_hl7(since_last=False))
    (message,) = [m for m in messages if value(m.PID.PID_5.XPN_1.FN_1) == "Historia"]

    assert value(message.VXU_V04_ORDER.RXA.RXA_9.CE_1) == "01"
