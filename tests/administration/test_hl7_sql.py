"""The VXU messages PostgreSQL writes (administration/reporting/hl7_sql.py) are byte for byte the
messages of the Python builder (hl7.vxu_message over dose_report, the reference), over records
with every kind of field: accents, HL7's delimiters and escape character, line breaks and odd
whitespace, refusals, corrections, voids, historical doses, sub-potent doses, missing next of
kin or route, VIS and funding observations, phone numbers of every shape; under every sender."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from administration.reporting import hl7, hl7_sql
from administration.selectors import formatted
from administration.selectors import reporting as report_selectors
from administration.services import files
from tests.administration.factories import HistoricalRecordFactory, Hl7SentFactory
from tests.administration.test_cvrs_sql import _record

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def varied():
    """One record of each kind the HL7 export meets."""
    refusal = {"refused": True, "lot": None, "dose_number": None, "route": "", "site": ""}
    records = [
        _record(person={"first_name": "José", "middle_name": "María", "last_name": "Núñez Peña"}),
        _record(
            person={
                "guardian_first_name": "Ana",
                "guardian_last_name": "Peña",
                "guardian_relationship": "MTH",
                "races": ["2106-3", "2054-5", "UNK", "bogus"],
                "ethnicity": "2135-2",
                "comorbidity": "YES",
            },
            record={
                "vfc_eligibility": "V02",
                "funding_source": "VXC1",
                "vis_barcode": "253088698300026411210702",
                "vis_given_on": date(2024, 3, 1),
            },
        ),
        _record(record={"vis_edition": date(2023, 8, 6), "vis_given_on": date(2024, 3, 1), "dose_number": 2}),
        _record(record={**refusal, "refusal_reason": "01"}),
        _record(record={**refusal, "refusal_reason": ""}),
        _record(
            record={
                "valid": False,
                "invalid_findings": "wrong_volume",
                "invalid_reason": "Half",
                "volume_ml": Decimal("0.10"),
            }
        ),
        _record(record={"volume_ml": Decimal("0.500")}, product={"series_doses": 1}),
        _record(record={"route": "", "site": ""}),  # no RXR
        _record(record={"route": "C28161", "site": "XX"}),  # RXR without a site
        _record(person={"last_name": "Pipe|Caret^", "first_name": "Tilde~Amp&"}),
        _record(person={"last_name": "O\\Brien", "city": "Apex\\"}, lot={"number": "EL\\92 61"}),
        _record(person={"first_name": "Ana\tMaría", "street": "1 Main\r\nStreet", "city": " Cary "}),
        _record(person={"middle_name": "\x1cX", "street_2": "Apt  4"}, organization={"name": "Wake\u00a0"}),
        _record(location={"name": "Clinic|North", "address": "12 Elm^St", "city": "Dur~ham"}),
        _record(organization={"pin": None}, location={"iis_facility_id": "", "site_type": ""}),
        _record(organization={"name": "R&D Health"}, location={"iis_facility_id": "FAC|1"}),
        _record(product={"name": "Vax^X", "manufacturer": "M&M"}),
        _record(product={"mvx": "", "ndc": ""}),
        _record(person={"phone": "+1 (919) 555-0100"}),
        _record(person={"phone": "919-555-01"}),
        _record(person={"phone": "９１９５５５０１００"}),
        _record(person={"county_id": None, "zip_code": "", "street": "", "city": "", "state": ""}),
        _record(person={"state": "ON", "zip_code": "K1M 1M4", "county_id": None, "city": "Ottawa"}),
        _record(person={"races": []}),
        _record(person={"sex": "U", "comorbidity": "NO"}),
        _record(person={"date_of_birth": date(1905, 1, 2)}),
        _record(
            record={
                "status": RecordStatus.CORRECTED,
                "status_reason": "Site",
                "version": 2,
            }
        ),
        _record(record={"status": RecordStatus.VOIDED, "status_reason": "Twice"}),
        _record(person={"guardian_last_name": "Peña", "guardian_relationship": "ZZZ"}),
    ]
    for sent in records[-3:-1]:  # the correction and the void were sent at version 1
        Hl7SentFactory(record=sent)
    return [*records, HistoricalRecordFactory(administered_at=timezone.now() - timedelta(minutes=20))]


def _records():
    return AdministrationRecord.objects.order_by("pk")


def _reference(sender: hl7.Sender) -> list[str]:
    rows = report_selectors.report_rows(_records())
    return [
        hl7.vxu_message(
            report_selectors.dose_report(row, for_hl7=True), control_id=f"B1-{n}", now=NOW, sender=sender
        )
        for n, row in enumerate(rows, start=1)
    ]


@pytest.mark.parametrize(
    "sender",
    [
        hl7.Sender(),
        hl7.Sender(responsible_org=True, facility_identifier=hl7.FacilityIdentifier.PIN, processing_id="T"),
        hl7.Sender(application="CV|MS"),  # a sender value to escape: every message goes through Python
    ],
)
def test_sql_messages_are_the_python_builders_byte_for_byte(varied, sender):
    expected = _reference(sender)

    messages = list(
        formatted.hl7_record_messages(_records(), sender=sender, now=NOW, control_id=lambda n: f"B1-{n}")
    )

    assert [message for _pk, _version, message in messages] == expected
    assert [(pk, version) for pk, version, _message in messages] == list(
        _records().values_list("pk", "version")
    )
    assert len(messages) == len(varied)


def _plain_ids() -> set[int]:
    fields, checks, computed = hl7_sql.message_sql(
        formatted.report_column, sender=hl7.Sender(), now=NOW, time_zone="America/New_York"
    )
    plain = formatted.plain_condition(_records(), checks)
    fields = [formatted.report_column("id"), *fields]
    items = formatted.formatted_rows(_records(), fields=fields, plain=plain, computed=computed)
    return {int(item.split(b"\t")[0]) for item in items if isinstance(item, bytes)}


@pytest.mark.postgres
def test_plain_records_are_written_by_postgresql_and_the_others_by_python(varied):
    plain = _plain_ids()

    for written_by_sql in (0, 1, 2, 3, 5, 7, 8, 18, 19, 25, 26, 27):
        assert varied[written_by_sql].pk in plain, written_by_sql
    for to_escape in (9, 10, 11, 12, 13, 15, 16, 20):
        assert varied[to_escape].pk not in plain, to_escape


def test_the_batch_file_is_the_python_builders(varied):
    out = io.StringIO()

    result = files.hl7_write(out, since_last=False, batch_id="B1")

    doses = report_selectors.dose_reports(report_selectors.records_for_hl7(since_last=False), for_hl7=True)
    expected = hl7.vxu_batch_lines(
        doses, batch_id="B1", now=result.batch.created_at, sender=files.hl7_sender(), number=files._base36
    )
    assert out.getvalue() == "".join(expected)
    assert result.messages == len(varied) - 1  # the void (never sent) aside
