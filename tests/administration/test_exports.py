"""Exports from real records (acceptance 3): the CVRS file field by field, every VXU message
parsed with `hl7`, HL7 sent tracking, the commands, the state's export pages and the provider's
offline PDFs made by a task (acceptance 5), served only to whom may see them."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import hl7
import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from administration.enums import ExportKind, ExportStatus
from administration.models import AdministrationRecord, ExportJob, OfflineForm
from administration.reporting import cvrs
from administration.services import files as exports
from administration.services import recording
from cvms.roles import Role
from inventory.models import Product
from tests.administration.factories import appointment_at, clinic_with_stock, hl7_sent_version, works_at
from tests.administration.test_cvrs import _parse
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

GIVEN = timezone.make_aware(datetime(2021, 1, 15, 10, 30))


@pytest.fixture
def doses(personas, time_machine):
    """A known set: a dose and a refusal at a location of the home provider (PIN NCA650001),
    recorded on their day in 2021 (the lot has long expired since)."""
    today = timezone.now()
    time_machine.move_to(GIVEN + timedelta(hours=2))
    organization = personas.organizations["home_provider"]
    type(organization).objects.filter(pk=organization.pk).update(name="Wake Health", pin="NCA650001")
    location = LocationFactory(
        organization=organization,
        name="Raleigh Clinic",
        address="1 Main St",
        city="Raleigh",
        zip_code="27601",
        site_type="19",  # public health clinic
    )
    product = Product.objects.get(ndc="59267-1000-01")  # the catalogue's Pfizer-BioNTech, CVX 208
    lot = LotFactory(product=product, number="EL9261", expires_on=date(2021, 6, 30))
    location, lot = stock(location=location, lot=lot)
    vaccinator = UserFactory(first_name="Nina", last_name="Nurse")
    person = RecipientFactory(
        first_name="Ana",
        last_name="López",
        date_of_birth=date(1950, 3, 4),
        sex="F",
        races=["2106-3", "2054-5"],
        ethnicity="2135-2",
        street="12 Oak St",
        city="Raleigh",
        zip_code="27601",
        county_id="37183",
        comorbidity="YES",
    )
    dose = recording.dose_record(
        recipient=person,
        location=location,
        details=recording.DoseDetails(
            product=product,
            lot=lot,
            dose_number=1,
            administered_at=GIVEN,
            route="C28161",
            site="LD",
            volume_ml=Decimal("0.30"),
        ),
        by=vaccinator,
    )
    refusal = recording.refusal_record(
        recipient=RecipientFactory(last_name="Ng", races=[], ethnicity="UNK"),
        location=location,
        product=product,
        refused_at=GIVEN + timedelta(hours=1),
        reason="03",
        by=vaccinator,
    )
    time_machine.move_to(today)
    return {"dose": dose, "refusal": refusal, "person": person, "location": location, "lot": lot}


def _cvrs(start=date(2021, 1, 1), end=date(2021, 1, 31)) -> list[dict]:
    out = io.StringIO()
    exports.cvrs_write(out, start=start, end=end, extract_type=cvrs.ExtractType.IDENTIFIED)
    return _parse(out.getvalue())


def test_cvrs_export_of_known_doses_matches_the_specification_field_by_field(doses):
    dose_row, refusal_row = _cvrs()
    person = doses["person"]
    assert dose_row == {
        "vax_event_id": f"CVMS-{doses['dose'].pk}",
        "ext_type": "I",
        "pprl_id": "",
        "recip_id": f"CVMS-R{person.pk}",
        "recip_first_name": "Ana",
        "recip_middle_name": "",
        "recip_last_name": "López",
        "recip_dob": "1950-03-04",
        "recip_sex": "F",
        "recip_address_street": "12 Oak St",
        "recip_address_street_2": "",
        "recip_address_city": "Raleigh",
        "recip_address_county": "37183",
        "recip_address_state": "NC",
        "recip_address_zip": "27601",
        "recip_race_1": "2106-3",
        "recip_race_2": "2054-5",
        "recip_race_3": "",
        "recip_race_4": "",
        "recip_race_5": "",
        "recip_race_6": "",
        "recip_ethnicity": "2135-2",
        "admin_date": "2021-01-15",
        "cvx": "208",
        "ndc": "59267-1000-01",
        "mvx": "PFR",
        "lot_number": "EL9261",
        "vax_expiration": "2021-06-30",
        "vax_admin_site": "LD",
        "vax_route": "C28161",
        "dose_num": "1",
        "vax_series_complete": "NO",
        "responsible_org": "Wake Health",
        "admin_name": "Raleigh Clinic",
        "vtrcks_prov_pin": "650001",  # the six digits of the provider's PIN, NCA650001
        "admin_type": "19",
        "admin_address_street": "1 Main St",
        "admin_address_street_2": "",
        "admin_address_city": "Raleigh",
        "admin_address_county": "37183",
        "admin_address_state": "NC",
        "admin_address_zip": "27601",
        "vax_refusal": "NO",
        "cmorbid_status": "YES",
        "serology": "UNK",
    }
    assert list(dose_row) == list(cvrs.COLUMNS)
    assert (refusal_row["vax_refusal"], refusal_row["recip_race_1"], refusal_row["lot_number"]) == (
        "YES",
        "UNK",
        "",
    )
    assert all(refusal_row[name] == "" for name in cvrs.EMPTY_FOR_REFUSAL)


def test_a_location_of_unknown_type_is_reported_unk_and_a_pin_without_six_digits_not_at_all(doses):
    location = doses["location"]
    type(location).objects.filter(pk=location.pk).update(site_type="")
    type(location.organization).objects.filter(pk=location.organization_id).update(pin="LEGACY1")

    rows = _cvrs()

    assert {(row["admin_type"], row["vtrcks_prov_pin"]) for row in rows} == {("UNK", "")}


def test_cvrs_export_takes_the_date_range_and_leaves_voided_records_out(doses):
    assert _cvrs(start=date(2021, 1, 16), end=date(2021, 1, 31)) == []
    recording.dose_void(record=doses["refusal"], reason="Entered in error", by=UserFactory())
    assert [row["vax_refusal"] for row in _cvrs()] == ["NO"]


def test_every_vxu_message_parses_and_carries_the_required_segments(doses):
    out = io.StringIO()
    result = exports.hl7_write(out, since_last=False, batch_id="B1")
    exports.hl7_mark_sent(result)
    text = out.getvalue()
    messages = ["MSH" + part for part in text.split("\rMSH")[1:]]
    assert result.messages == len(messages) == 2
    for raw in messages:
        body = raw.split("\rBTS")[0] + "\r"
        message = hl7.parse(body)
        names = [str(segment[0]) for segment in message]
        assert names[:3] == ["MSH", "PID", "PD1"] and "ORC" in names and "RXA" in names
        assert str(message.segment("MSH")[9]) == "VXU^V04^VXU_V04"
    given = hl7.parse(messages[0].split("\rBTS")[0] + "\r")
    assert str(given.segment("RXA")[15]) == "EL9261"
    # RXA-11: the facility's registry id in component 4 (the PIN, for a location without an IIS
    # facility id), the type of site in 6.
    assert str(given.segment("RXA")[11]).split("^")[3:6] == ["NCA650001", "", "19"]
    assert str(given.segment("PID")[5]).startswith("López^Ana")
    refused = hl7.parse(messages[1].split("\rBTS")[0] + "\r")
    assert str(refused.segment("RXA")[20]) == "RE"


def test_a_record_with_no_vaccinator_nor_recorder_is_still_exported_with_those_fields_empty(doses):
    AdministrationRecord.objects.filter(pk=doses["dose"].pk).update(vaccinator=None, recorded_by=None)
    out = io.StringIO()
    result = exports.hl7_write(out, since_last=False, batch_id="B1")
    given = hl7.parse(out.getvalue().split("\rMSH", 1)[1].split("\rMSH")[0].join(["MSH", "\r"]))
    assert result.messages == 2
    assert str(given.segment("RXA")[15]) == "EL9261"
    assert str(given.segment("RXA")[10]) == ""
    assert str(given.segment("ORC")[10]) == ""
    assert [row["vax_refusal"] for row in _cvrs()] == ["NO", "YES"]


def test_hl7_since_last_sends_only_new_and_corrected_records_and_keeps_track(doses, personas):
    first = exports.hl7_write(io.StringIO(), since_last=True, batch_id="B1")
    exports.hl7_mark_sent(first)
    assert first.messages == 2
    assert {hl7_sent_version(record) for record in AdministrationRecord.objects.all()} == {1}
    nothing = exports.hl7_write(io.StringIO(), since_last=True, batch_id="B2")
    exports.hl7_mark_sent(nothing)
    assert nothing.messages == 0

    admin = personas.home[Role.PROVIDER_ADMIN]
    recording.dose_void(record=doses["refusal"], reason="Entered in error", by=admin)
    out = io.StringIO()
    again = exports.hl7_write(out, since_last=True, batch_id="B3")
    exports.hl7_mark_sent(again)
    assert again.messages == 1
    message = hl7.parse(out.getvalue().split("\rMSH", 1)[1].split("\rBTS")[0].join(["MSH", "\r"]))
    assert str(message.segment("RXA")[21]) == "D"
    assert hl7_sent_version(doses["refusal"]) == 2


def test_a_record_changed_after_it_was_written_stays_due(doses):
    result = exports.hl7_write(io.StringIO(), since_last=True, batch_id="B1")
    AdministrationRecord.objects.filter(pk=doses["dose"].pk).update(version=2)  # corrected meanwhile
    exports.hl7_mark_sent(result)
    due = exports.hl7_write(io.StringIO(), since_last=True, batch_id="B2")
    assert due.messages == 1


def test_export_commands_write_the_files(doses, tmp_path):
    cvrs_file = tmp_path / "20210201_01_NCA.txt"
    call_command("export_cvrs", "--start", "2021-01-01", "--end", "2021-01-31", "-o", str(cvrs_file))
    lines = cvrs_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(cvrs.COLUMNS) and len(lines) == 3
    hl7_file = tmp_path / "batch.hl7"
    call_command("export_hl7", "-o", str(hl7_file), "--since-last")
    assert hl7_file.read_text(encoding="utf-8").count("MSH|") == 2
    call_command("export_hl7", "-o", str(hl7_file), "--since-last")
    assert hl7_file.read_text(encoding="utf-8").count("MSH|") == 0


def test_cvrs_rows_are_one_copy_whatever_their_number(doses, django_assert_num_queries):
    # The rows, and the checks of their locations and products, are one COPY statement on
    # psycopg's own cursor, which Django doesn't count: no other query.
    with django_assert_num_queries(0):
        _cvrs()


# --- The state's export pages -------------------------------------------------------------------


def test_state_official_asks_for_a_cvrs_file_follows_it_and_downloads_it(
    client, doses, personas, django_capture_on_commit_callbacks
):
    official = personas.home[Role.STATE_OFFICIAL]
    client.force_login(official)
    _with_mfa(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("state:administration.exports"),
            {"kind": "cvrs", "start": "2021-01-01", "end": "2021-01-31"},
        )
    job = ExportJob.objects.get()
    assert response.url == reverse("state:administration.export", kwargs={"export_pk": job.pk})
    assert (job.status, job.done, job.total) == (ExportStatus.DONE, 2, 2)  # the task ran after commit
    page = client.get(response.url).content.decode()
    assert "Download" in page and job.file_name in page
    download = client.get(reverse("state:administration.export.download", kwargs={"export_pk": job.pk}))
    text = b"".join(download.streaming_content).decode()
    assert text.splitlines()[0].split("\t") == list(cvrs.COLUMNS) and len(text.splitlines()) == 3
    assert job.expires_at > timezone.now()


def test_expired_export_is_not_served_and_its_file_is_deleted(
    client, doses, personas, django_capture_on_commit_callbacks
):
    official = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(official)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_request(kind=ExportKind.HL7, by=official, params={"since_last": False})
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(official)
    url = reverse("state:administration.export.download", kwargs={"export_pk": job.pk})
    assert client.get(url).status_code == 404
    assert exports.jobs_expired_delete() == 1
    assert ExportJob.objects.get(pk=job.pk).file == ""


def test_registry_exports_are_not_served_to_providers(client, doses, personas):
    official = personas.home[Role.STATE_OFFICIAL]
    job = exports.export_request(
        kind=ExportKind.CVRS, by=official, params={"start": "2021-01-01", "end": "2021-01-31"}
    )
    client.force_login(personas.home[Role.PROVIDER_ADMIN])
    assert (
        client.get(
            reverse("provider:administration.offline.download", kwargs={"export_pk": job.pk})
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("state:administration.export.download", kwargs={"export_pk": job.pk})).status_code
        == 403
    )


def _with_mfa(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}}
    )


# --- Offline PDFs ----------------------------------------------------------------------------------


def _pdf_text(job) -> str:
    with job.file.open("rb") as pdf:
        return " ".join(
            " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf.read())).pages
        )


def test_prefilled_forms_for_a_clinics_booked_people_are_made_by_a_task_with_numbers_issued(
    client, personas, django_capture_on_commit_callbacks
):
    clinic, _lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    booked = [appointment_at(clinic, recipient=RecipientFactory(last_name=f"Booked{n}")) for n in range(2)]
    admin = personas.home[Role.PROVIDER_ADMIN]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("provider:administration.offline"), {"kind": "forms_clinic", "clinic": clinic.pk}
        )
    job = ExportJob.objects.get()
    assert response.url == reverse("provider:administration.offline.job", kwargs={"export_pk": job.pk})
    assert job.status == ExportStatus.DONE
    text = _pdf_text(job)
    assert "Recipient Registration and Vaccine Administration Form" in text
    assert all(a.recipient.last_name in text for a in booked)
    assert OfflineForm.objects.filter(clinic=clinic).count() == 2
    download = client.get(reverse("provider:administration.offline.download", kwargs={"export_pk": job.pk}))
    assert download["Content-Type"] == "application/pdf"


def test_blank_forms_and_inventory_levels_render_for_a_location(
    client, personas, django_capture_on_commit_callbacks
):
    location, lot = stock(location=LocationFactory(organization=personas.organizations["home_provider"]))
    client.force_login(personas.home[Role.PROVIDER_ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("provider:administration.offline"),
            {"kind": "forms_blank", "location": location.pk, "count": 3},
        )
        client.post(
            reverse("provider:administration.offline"), {"kind": "inventory_levels", "location": location.pk}
        )
    blank, levels = ExportJob.objects.order_by("pk")
    assert (blank.status, levels.status) == (ExportStatus.DONE, ExportStatus.DONE)
    assert len(pypdf.PdfReader(blank.file.open("rb")).pages) == 3
    assert OfflineForm.objects.filter(location=location).count() == 3
    text = _pdf_text(levels)
    assert "Inventory Levels" in text and lot.number in text


def test_vaccinator_can_not_print_forms_for_a_location_they_do_not_work_at(client, personas):
    location = LocationFactory(organization=personas.organizations["home_provider"])
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, LocationFactory(organization=personas.organizations["home_provider"]))
    client.force_login(vaccinator)
    response = client.post(
        reverse("provider:administration.offline"),
        {"kind": "forms_blank", "location": location.pk, "count": 3},
    )
    assert response.status_code == 200 and ExportJob.objects.count() == 0


def test_another_organizations_pdf_is_404(client, personas):
    location = LocationFactory(organization=personas.organizations["home_provider"])
    job = exports.export_request(
        kind=ExportKind.FORMS_BLANK,
        by=personas.home[Role.PROVIDER_ADMIN],
        organization=location.organization,
        location=location,
        params={"count": 1},
    )
    client.force_login(personas.other[Role.PROVIDER_ADMIN])
    for name in ("provider:administration.offline.job", "provider:administration.offline.download"):
        assert client.get(reverse(name, kwargs={"export_pk": job.pk})).status_code == 404


def test_hl7_since_last_sends_a_record_again_as_an_update_when_its_persons_details_changed_since(doses):
    exports.hl7_mark_sent(exports.hl7_write(io.StringIO(), since_last=True, batch_id="B1"))
    person = doses["dose"].recipient
    type(person).objects.filter(pk=person.pk).update(
        registry_details_changed_at=timezone.now() + timedelta(minutes=1)
    )

    out = io.StringIO()
    again = exports.hl7_write(out, since_last=True, batch_id="B2")

    assert again.messages == 1  # the dose of that person, not the refusal of another
    message = hl7.parse(out.getvalue().split("\rMSH", 1)[1].split("\rBTS")[0].join(["MSH", "\r"]))
    assert (str(message.segment("ORC")[3]).split("^")[0], str(message.segment("RXA")[21])) == (
        doses["dose"].event_id,
        "U",
    )


def test_hl7_since_last_leaves_out_a_void_of_a_record_never_sent(doses, personas):
    admin = personas.home[Role.PROVIDER_ADMIN]
    recording.dose_void(record=doses["refusal"], reason="Entered in error", by=admin)

    result = exports.hl7_write(io.StringIO(), since_last=True, batch_id="B1")

    assert result.messages == 1
    assert hl7_sent_version(doses["refusal"]) == 0
