"""The CVRS lines PostgreSQL writes (administration/reporting/cvrs_sql.py) are byte for byte the
lines of the Python formatter (cvrs.cvrs_lines over dose_reports, the reference), and what the
Python path reported (values left empty, records left out) is reported the same, over records
with every kind of field: missing values, accents, tabs and line breaks, odd whitespace,
backslashes, refusals, invalid doses, historical doses, lower-case codes, odd race lists."""

import dataclasses
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from administration.reporting import cvrs, cvrs_sql
from administration.selectors import formatted
from administration.selectors import reporting as report_selectors
from administration.services import files
from enrollment.models import Location, Organization
from inventory.models import Lot, Product
from recipients.models import Recipient
from tests.administration.factories import AdministrationRecordFactory, HistoricalRecordFactory, earlier_today
from tests.administration.reporting_rows import VACCINATION
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def _record(*, person=None, record=None, location=None, organization=None, product=None, lot=None):
    """A dose given earlier today, then the given columns of it and of what it points to set
    as they are (bypassing forms: the export must cope with whatever the tables hold)."""
    dose = AdministrationRecordFactory(
        recipient=RecipientFactory(**(person or {})), administered_at=earlier_today(minutes=30)
    )
    for model, pk, values in (
        (AdministrationRecord, dose.pk, record),
        (Location, dose.location_id, location),
        (Organization, dose.location.organization_id, organization),
        (Product, dose.product_id, product),
        (Lot, dose.lot_id, lot),
    ):
        if values:
            model.objects.filter(pk=pk).update(**values)
    return dose


@pytest.fixture
def varied():
    """One record of each kind the export meets."""
    refusal = {
        "refused": True,
        "lot": None,
        "dose_number": None,
        "refusal_reason": "01",
        "route": "",
        "site": "",
    }
    records = [
        _record(person={"first_name": "José", "middle_name": "María", "last_name": "Núñez Peña"}),
        _record(organization={"pin": "NCA650001"}, location={"site_type": "19", "zip_code": "27601-1234"}),
        _record(record=refusal),
        _record(record={"valid": False, "invalid_findings": "wrong_volume", "invalid_reason": "Half a dose"}),
        _record(record={"dose_number": 2}, product={"series_doses": 2}),
        _record(
            person={"first_name": "Ana\tMaría", "street": "1 Main\r\nStreet", "city": " Cary "},
            location={"name": "Clinic\t\tNorth ", "address": " 12 Elm St\n"},
        ),
        _record(person={"last_name": "O\\Brien", "city": "Apex\\"}, lot={"number": "EL\\92 61"}),
        _record(
            person={"middle_name": "\x1cX", "last_name": "Pipe|Caret^"}, organization={"name": "Wake\u00a0"}
        ),
        _record(location={"city": "\u2003Durham", "address": ""}, organization={"pin": None}),
        _record(person={"county_id": None, "zip_code": "", "street_2": ""}, location={"zip_code": ""}),
        _record(person={"state": "ON", "zip_code": "K1M 1M4", "county_id": None, "city": "Ottawa"}),
        _record(person={"zip_code": "２７６０１"}),  # digits Python's \d takes
        _record(organization={"name": " "}),  # responsible_org required: left out
        _record(location={"name": "\t"}),  # admin_name required: left out
        _record(product={"mvx": "pfr"}, record={"route": "c28161", "site": "ld"}),
        _record(person={"races": ["2106-3", "UNK"]}),  # race 2 can't be UNK: left out
        _record(person={"races": []}),
        _record(person={"races": ["", "2054-5"]}),
        _record(person={"races": ["2106-3", "2054-5", "2028-9", "1002-5", "2076-8", "2131-1", "2106-3"]}),
        _record(record={"dose_number": 7}),  # dose_num 7: left out
        _record(organization={"pin": "12345"}, location={"site_type": ""}),
        _record(person={"sex": "U", "ethnicity": "UNK", "comorbidity": "YES"}),
        _record(record={"status": RecordStatus.CORRECTED, "status_reason": "Wrong site"}),
        _record(record={"status": RecordStatus.VOIDED, "status_reason": "Entered twice"}),
    ]
    historical = HistoricalRecordFactory(administered_at=earlier_today(minutes=20))
    return [*records, historical]


def _reference(records, extract_type) -> tuple[list[str], str]:
    report = cvrs.Report()
    lines = list(
        cvrs.cvrs_lines(report_selectors.dose_reports(records), extract_type=extract_type, report=report)
    )
    return lines[1:], report.text()


def _today_records():
    today = timezone.localdate()
    return report_selectors.records_between(start=today, end=today)


@pytest.mark.postgres
def test_sql_lines_are_the_python_formatters_byte_for_byte_and_report_the_same(varied):
    for extract_type in cvrs.ExtractType:
        expected_lines, expected_report = _reference(_today_records(), extract_type)
        report = cvrs.Report()

        lines = list(formatted.cvrs_record_lines(_today_records(), extract_type=extract_type, report=report))
        assert lines.count(None) == len(report.left_out)
        lines = [line for line in lines if line is not None]

        assert lines == expected_lines
        assert report.text() == expected_report
        assert len(lines) + len(report.left_out) == len(varied) - 1  # the void aside
    text = report.text()
    assert "recip_address_state 'ON'" in text and "recip_address_zip 'K1M 1M4'" in text
    assert "responsible_org is required" in text and "admin_name is required" in text
    assert "recip_race_2 'UNK'" in text and "dose_num '7'" in text

    # Plain rows are PostgreSQL's lines; those that break a rule, or have lower-case codes
    # (Python's upper() decides), come back as rows for Python; all in the records' order.
    fields, checks = cvrs_sql.line_sql(
        formatted.report_column, extract_type=cvrs.ExtractType.DEIDENTIFIED, time_zone="America/New_York"
    )
    items = list(
        formatted.formatted_rows(
            _today_records(), fields=fields, plain=formatted.plain_condition(_today_records(), checks)
        )
    )
    event_ids = [
        item.split(b"\t")[0].decode() if isinstance(item, bytes) else f"CVMS-{item['id']}" for item in items
    ]
    returned = {f"CVMS-{item['id']}" for item in items if isinstance(item, dict)}
    assert event_ids == [f"CVMS-{pk}" for pk in _today_records().values_list("pk", flat=True)]
    assert varied[-2].event_id not in event_ids  # voided
    assert varied[0].event_id not in returned  # a vaccination
    assert varied[2].event_id not in returned  # a refusal
    assert {varied[15].event_id, varied[19].event_id, varied[14].event_id} <= returned
    assert varied[12].event_id not in returned  # a value to clean: Python cleans the line


def test_a_copied_line_with_a_value_to_clean_is_cleaned_as_python_cleans_it():
    dose = dataclasses.replace(VACCINATION, responsible_org=" Wake\tHealth ", admin_name="Clinic\u00a0")
    values = cvrs.cvrs_values(dose)
    values.update(responsible_org=" Wake\\tHealth ", admin_name="Clinic\u00a0")  # as COPY writes them
    copied = ("\t".join(values[name] for name in cvrs.COLUMNS) + "\n").encode()

    assert cvrs_sql.copied_line(copied, report=cvrs.Report()) == cvrs.cvrs_line(
        dose, extract_type=cvrs.ExtractType.DEIDENTIFIED, report=None
    )
    assert cvrs_sql.copy_unescape(b"a\\\\b\\tc\\n") == b"a\\b\tc\n"


def test_the_period_and_daily_files_are_the_reference_files(varied):
    today = timezone.localdate()
    expected_lines, expected_report = _reference(_today_records(), cvrs.ExtractType.IDENTIFIED)
    out = io.StringIO()

    done = []

    result = files.cvrs_write(
        out, start=today, end=today, extract_type=cvrs.ExtractType.IDENTIFIED, progress=done.append
    )

    assert out.getvalue() == cvrs.cvrs_header() + "".join(expected_lines)
    assert result.records == len(expected_lines)
    assert done[-1] == len(varied) - 1  # every record counts as done, those left out too
    assert result.report.text() == expected_report

    # The daily file: a record first reported three days ago, its person changed today, goes
    # again and is listed as sent again, as before.
    sent_before = varied[0]
    AdministrationRecord.objects.filter(pk=sent_before.pk).update(
        created_at=timezone.now() - timedelta(days=3), administered_at=timezone.now() - timedelta(days=3)
    )
    Recipient.objects.filter(pk=sent_before.recipient_id).update(registry_details_changed_at=timezone.now())
    records = report_selectors.records_of_day(day=today)
    expected_lines, expected_report = _reference(records, cvrs.ExtractType.DEIDENTIFIED)
    out = io.StringIO()

    result = files.cvrs_write(out, day=today, extract_type=cvrs.ExtractType.DEIDENTIFIED)

    assert out.getvalue() == cvrs.cvrs_header() + "".join(expected_lines)
    assert f"{sent_before.event_id}: changed on {today}" in result.report.text()
    assert f"{varied[12].event_id}: responsible_org is required" in result.report.text()
    assert expected_report in result.report.text()


@pytest.mark.postgres
def test_a_row_for_python_comes_back_as_the_orm_gives_it():
    dose = _record(record={"valid": False, "invalid_findings": "wrong_volume", "invalid_reason": "Half"})
    AdministrationRecord.objects.filter(pk=dose.pk).update(volume_ml=Decimal("0.15"))
    fields, _checks = cvrs_sql.line_sql(
        formatted.report_column, extract_type=cvrs.ExtractType.DEIDENTIFIED, time_zone="America/New_York"
    )
    records = _today_records()

    (returned,) = formatted.formatted_rows(records, fields=fields, plain="false")
    (expected,) = report_selectors.report_rows(records)

    assert returned == dict(expected)


def test_without_postgresql_every_line_comes_from_the_python_formatter_the_same(varied, monkeypatch):
    """`make run` (SQLite) has no COPY: the export takes the Python path for every record and
    writes the same file and report."""
    today = timezone.localdate()
    copied, copied_result = io.StringIO(), None
    copied_result = files.cvrs_write(copied, start=today, end=today, extract_type=cvrs.ExtractType.IDENTIFIED)
    monkeypatch.setattr(formatted, "_copies", lambda records: False)
    monkeypatch.setattr(formatted, "formatted_rows", None)  # never asked for
    python = io.StringIO()

    result = files.cvrs_write(python, start=today, end=today, extract_type=cvrs.ExtractType.IDENTIFIED)

    assert python.getvalue() == copied.getvalue()
    assert result.records == copied_result.records
    assert result.report.text() == copied_result.report.text()
