"""Back-fill of paper forms: one at a time and by CSV, keyed by form number (acceptance 2: a form
entered twice is recorded once), new people, stock, the paper source."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.enums import RecordSource
from administration.models import AdministrationRecord
from administration.offline.fields import FIELD_KEYS
from administration.offline.numbers import form_number_display, form_number_new
from administration.services import backfill
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from recipients.enums import RegistrationSource
from recipients.models import Recipient
from tests.administration.factories import OfflineFormFactory
from tests.concurrency import locks_disabled, pause_after, run_together
from tests.factories import LocationFactory
from tests.inventory.factories import stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def paper_row(lot, **overrides) -> dict:
    """A filled-in paper form, as text, the way it is copied from the paper."""
    row = dict.fromkeys(FIELD_KEYS, "")
    row |= {
        "form_number": form_number_display(form_number_new()),
        "first_name": "Rosa",
        "last_name": "Díaz",
        "date_of_birth": "1941-02-03",
        "sex": "F",
        "races": "2106-3",
        "ethnicity": "2186-5",
        "street": "1 Elm St",
        "city": "Durham",
        "state": "NC",
        "zip_code": "27701",
        "administered_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "administered_at_time": "09:30",
        "refused": "NO",
        "ndc": lot.product.ndc,
        "lot_number": lot.number,
        "dose_number": "1",
        "route": "IM",
        "site": "LD",
        "volume_ml": "0.3",
    }
    return row | overrides


@pytest.fixture
def home(personas):
    location, lot = stock(location=LocationFactory(organization=personas.organizations["home_provider"]))
    return {"location": location, "lot": lot, "admin": personas.home[Role.PROVIDER_ADMIN]}


def _on_hand(home):
    return inventory_selectors.stock_on_hand(location=home["location"], lot=home["lot"])


def test_backfilled_form_makes_a_new_recipient_moves_stock_and_says_it_came_from_paper(home):
    row = paper_row(home["lot"])
    outcome = backfill.form_backfill(location=home["location"], row=row, by=home["admin"])

    record = outcome.record
    assert (outcome.duplicate, outcome.new_recipient) == (False, True)
    assert (record.source, record.form_number, record.dose_number) == (
        RecordSource.PAPER,
        row["form_number"].replace("-", ""),
        1,
    )
    assert (record.recipient.full_name, record.recipient.source) == ("Rosa Díaz", RegistrationSource.STAFF)
    assert timezone.localtime(record.administered_at).strftime("%H:%M") == "09:30"
    assert _on_hand(home) == 9


def test_backfilled_form_entered_twice_is_recorded_once_and_reported_as_duplicate(home):
    row = paper_row(home["lot"])
    first = backfill.form_backfill(location=home["location"], row=row, by=home["admin"])
    second = backfill.form_backfill(location=home["location"], row=row, by=home["admin"])

    assert (second.duplicate, second.record) == (True, first.record)
    assert AdministrationRecord.objects.count() == 1
    assert Recipient.objects.filter(last_name="Díaz").count() == 1
    assert _on_hand(home) == 9


def test_backfill_finds_a_registered_person_by_name_and_birth_date(home):
    person = RecipientFactory(first_name="Rosa", last_name="Díaz", date_of_birth="1941-02-03")
    outcome = backfill.form_backfill(
        location=home["location"], row=paper_row(home["lot"], first_name="ROSA"), by=home["admin"]
    )
    assert (outcome.record.recipient, outcome.new_recipient) == (person, False)


def test_form_number_with_a_typo_is_refused(home):
    row = paper_row(home["lot"])
    number = row["form_number"]
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(backfill.BackfillError, match="form_number"):
        backfill.form_backfill(location=home["location"], row=row | {"form_number": typo}, by=home["admin"])
    assert AdministrationRecord.objects.count() == 0


def test_form_with_missing_and_wrong_fields_names_each_of_them(home):
    row = paper_row(home["lot"], last_name="", date_of_birth="03/02/1941", site="XX")
    with pytest.raises(backfill.BackfillError) as refused:
        backfill.form_backfill(location=home["location"], row=row, by=home["admin"])
    assert [field for field, _message in refused.value.problems] == ["last_name", "date_of_birth", "site"]
    assert Recipient.objects.count() == 0


def test_form_number_printed_for_another_organization_is_refused(home):
    row = paper_row(home["lot"])
    other = LocationFactory()
    stock(location=other, lot=home["lot"])
    backfill.form_backfill(location=other, row=row, by=home["admin"])
    with pytest.raises(backfill.BackfillError, match="another organization"):
        backfill.form_backfill(location=home["location"], row=row, by=home["admin"])


def test_backfilled_refusal_is_recorded_without_a_lot(home):
    row = paper_row(home["lot"], refused="YES", refusal_reason="03", lot_number="", dose_number="")
    record = backfill.form_backfill(location=home["location"], row=row, by=home["admin"]).record
    assert (record.refused, record.lot, record.refusal_reason, record.source) == (True, None, "03", "paper")
    assert _on_hand(home) == 10


def test_backfill_of_a_dose_from_an_expired_lot_is_refused(home):
    type(home["lot"]).objects.filter(pk=home["lot"].pk).update(
        expires_on=timezone.localdate() - timedelta(days=30)
    )
    with pytest.raises(backfill.BackfillError, match="expired"):
        backfill.form_backfill(location=home["location"], row=paper_row(home["lot"]), by=home["admin"])
    assert Recipient.objects.count() == 0  # the new person rolled back with the refused dose


def _csv(rows) -> bytes:
    lines = [",".join(FIELD_KEYS)] + [",".join(row[key] for key in FIELD_KEYS) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_csv_backfill_reports_each_line_recorded_duplicate_or_refused(home):
    good = paper_row(home["lot"])
    bad = paper_row(home["lot"], first_name="Luis", sex="Q")
    again = dict(good)
    reports = backfill.forms_backfill_csv(
        location=home["location"], content=_csv([good, bad, again]), by=home["admin"]
    )

    assert [(r.line, r.status) for r in reports] == [(2, "recorded"), (3, "refused"), (4, "duplicate")]
    assert "sex" in reports[1].message
    assert AdministrationRecord.objects.count() == 1
    assert _on_hand(home) == 9


def test_csv_with_a_wrong_header_records_nothing(home):
    content = "form_number,first_name,shoe_size\r\n1,2,3\r\n"
    with pytest.raises(backfill.CsvRefused, match="shoe_size"):
        backfill.forms_backfill_csv(location=home["location"], content=content, by=home["admin"])
    assert AdministrationRecord.objects.count() == 0


# --- The screens ---------------------------------------------------------------------------------


def test_backfill_screen_records_a_form_field_for_field(client, home):
    row = paper_row(home["lot"])
    client.force_login(home["admin"])
    url = reverse("provider:administration.backfill")
    assert client.get(url).status_code == 200
    response = client.post(url, row | {"location": home["location"].pk}, follow=True)
    assert f"Form {row['form_number']} recorded" in response.content.decode()
    again = client.post(url, row | {"location": home["location"].pk}, follow=True)
    assert "already recorded" in again.content.decode()
    assert AdministrationRecord.objects.count() == 1


def test_backfill_screen_shows_what_is_wrong(client, home):
    client.force_login(home["admin"])
    response = client.post(
        reverse("provider:administration.backfill"),
        paper_row(home["lot"], zip_code="") | {"location": home["location"].pk},
    )
    assert response.status_code == 200
    assert "is required" in response.content.decode()
    assert AdministrationRecord.objects.count() == 0


def test_backfill_upload_shows_the_line_report(client, home):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(home["admin"])
    rows = [paper_row(home["lot"]), paper_row(home["lot"], ndc="00000-0000-00")]
    response = client.post(
        reverse("provider:administration.backfill.upload"),
        {"location": home["location"].pk, "file": SimpleUploadedFile("forms.csv", _csv(rows), "text/csv")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 recorded" in page and "1 refused" in page
    assert "not the NDC of a vaccine we know" in page


def test_backfill_at_another_organizations_location_is_refused(client, home):
    client.force_login(home["admin"])
    other = LocationFactory()
    response = client.post(
        reverse("provider:administration.backfill"), paper_row(home["lot"]) | {"location": other.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert AdministrationRecord.objects.count() == 0


# --- The same form entered at the same moment ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_form_entered_by_six_people_at_once_is_recorded_once(personas):
    location, lot = stock(location=LocationFactory(organization=personas.organizations["home_provider"]))
    admin = personas.home[Role.PROVIDER_ADMIN]
    row = paper_row(lot)

    results = run_together(
        [lambda: backfill.form_backfill(location=location, row=row, by=admin) for _ in range(6)]
    )

    outcomes = [r for r in results if isinstance(r, backfill.BackfillOutcome)]
    assert len(outcomes) == 6, results
    assert sorted(o.duplicate for o in outcomes) == [False] + [True] * 5
    assert AdministrationRecord.objects.filter(form_number=row["form_number"].replace("-", "")).count() == 1
    assert Recipient.objects.filter(last_name="Díaz").count() == 1
    assert inventory_selectors.stock_on_hand(location=location, lot=lot) == 9


def _printed_form_entered_three_times(personas, monkeypatch):
    location, lot = stock(location=LocationFactory(organization=personas.organizations["home_provider"]))
    admin = personas.home[Role.PROVIDER_ADMIN]
    row = paper_row(lot)
    OfflineFormFactory(number=row["form_number"].replace("-", ""), location=location, issued_by=admin)
    pause_after(monkeypatch, backfill, "_claim_form")  # the form's row is claimed; nothing recorded
    return location, lot, row, [lambda: backfill.form_backfill(location=location, row=row, by=admin)] * 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_printed_form_entered_by_three_people_at_once_is_recorded_once(personas, monkeypatch):
    location, lot, row, works = _printed_form_entered_three_times(personas, monkeypatch)

    results = run_together(works)

    assert sorted(getattr(r, "duplicate", r) for r in results) == [False, True, True], results
    assert AdministrationRecord.objects.filter(form_number=row["form_number"].replace("-", "")).count() == 1
    assert inventory_selectors.stock_on_hand(location=location, lot=lot) == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_lock_a_printed_form_entered_at_once_is_not_recorded_once(personas, monkeypatch):
    """The control of the form's lock: the form was printed, so its row exists and nobody waits
    for anyone's insert; all three entries go on to record it, and the two that lose the race
    are refused with an error instead of being told the form was entered already."""
    _location, _lot, _row, works = _printed_form_entered_three_times(personas, monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert sum(isinstance(r, backfill.BackfillError) for r in results) == 2, results


def test_backfilled_form_of_a_dose_the_evaluator_finds_not_valid_is_refused_with_its_rule(home):
    """Issue 14: back-fill asks the same evaluator as recording (dose 2 with no dose 1; 5 mL)."""
    out_of_sequence = paper_row(home["lot"], dose_number="2")
    ten_times = paper_row(home["lot"], volume_ml="3.0")

    with pytest.raises(
        backfill.BackfillError, match="Out of sequence: this is dose 1 of the series, not dose 2"
    ):
        backfill.form_backfill(location=home["location"], row=out_of_sequence, by=home["admin"])
    with pytest.raises(backfill.BackfillError, match=r"a dose of .* is 0\.3 mL, not 3 mL"):
        backfill.form_backfill(location=home["location"], row=ten_times, by=home["admin"])

    assert not AdministrationRecord.objects.filter(source=RecordSource.PAPER).exists()
    assert _on_hand(home) == 10


# --- Words for refusal reasons, the county from the ZIP, addresses abroad (issue 14) ------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Patient decision", "03"),
        ("  parental   DECISION ", "00"),
        ("Decisión de los padres", "00"),
        ("exencion religiosa", "01"),
        ("other", "02"),
    ],
)
def test_a_refusal_reason_is_written_in_words_in_english_or_spanish(home, written, code):
    row = paper_row(home["lot"], refused="YES", refusal_reason=written, lot_number="", dose_number="")

    record = backfill.form_backfill(location=home["location"], row=row, by=home["admin"]).record

    assert (record.refused, record.refusal_reason) == (True, code)


def test_a_refusal_reason_that_isnt_one_names_the_words_to_use(home):
    row = paper_row(home["lot"], refused="YES", refusal_reason="scared", lot_number="", dose_number="")

    with pytest.raises(backfill.BackfillError) as refused:
        backfill.form_backfill(location=home["location"], row=row, by=home["admin"])

    assert refused.value.problems == [
        ("refusal_reason", "must be one of: patient decision, parental decision, religious exemption, other")
    ]


def test_the_county_is_found_from_the_zip_code(home):
    durham = paper_row(home["lot"], zip_code="27701")
    two_counties = paper_row(home["lot"], first_name="Eva", zip_code="27009")

    one = backfill.form_backfill(location=home["location"], row=durham, by=home["admin"]).record
    other = backfill.form_backfill(location=home["location"], row=two_counties, by=home["admin"]).record

    assert one.recipient.county_id == "37063"  # Durham County
    assert other.recipient.county_id is None  # 27009 touches two counties: it doesn't say which


def test_an_address_abroad_is_accepted_as_written(home):
    row = paper_row(
        home["lot"], street="Av. Juárez 12", city="Guadalajara", state="Jalisco", zip_code="44100"
    )
    row["country"] = "mx"

    person = backfill.form_backfill(location=home["location"], row=row, by=home["admin"]).record.recipient

    assert (person.country, person.state, person.zip_code, person.county_id) == (
        "MX",
        "Jalisco",
        "44100",
        None,
    )


def test_an_address_abroad_may_have_no_state_or_postal_code(home):
    row = paper_row(home["lot"], street="1 High Street", city="Dublin", state="", zip_code="")
    row["country"] = "IE"

    person = backfill.form_backfill(location=home["location"], row=row, by=home["admin"]).record.recipient

    assert (person.country, person.state, person.zip_code) == ("IE", "", "")


def test_a_us_address_needs_a_state_code_and_a_zip_code(home):
    row = paper_row(home["lot"], state="Jalisco", zip_code="4410")

    with pytest.raises(backfill.BackfillError) as refused:
        backfill.form_backfill(location=home["location"], row=row, by=home["admin"])

    assert refused.value.problems == [
        ("state", "must be a 2-letter US state code, e.g. NC"),
        ("zip_code", "must be a ZIP code of 5 digits (or 5+4)"),
    ]


def test_a_csv_line_abroad_with_a_refusal_in_words_is_recorded(home):
    row = paper_row(
        home["lot"], refused="YES", refusal_reason="Decisión del paciente", lot_number="", dose_number=""
    )
    row |= {"state": "Ontario", "zip_code": "K1A 0B1", "country": "CA"}
    content = ",".join(FIELD_KEYS) + "\r\n" + ",".join(f'"{row[key]}"' for key in FIELD_KEYS) + "\r\n"

    reports = backfill.forms_backfill_csv(location=home["location"], content=content, by=home["admin"])

    assert [report.status for report in reports] == ["recorded"]
    record = AdministrationRecord.objects.get()
    assert (record.refusal_reason, record.recipient.country, record.recipient.state) == (
        "03",
        "CA",
        "Ontario",
    )


def test_the_screen_offers_refusal_reasons_as_words_and_the_upload_page_explains_the_columns(client, home):
    client.force_login(home["admin"])

    screen = client.get(reverse("provider:administration.backfill")).content.decode()
    upload = client.get(reverse("provider:administration.backfill.upload")).content.decode()
    template = client.get(reverse("provider:administration.backfill.template")).content.decode()

    assert '<option value="patient decision">Patient decision</option>' in screen
    assert "patient decision / parental decision / religious exemption / other" in upload
    assert "blank: United States" in upload
    header = template.splitlines()[0].split(",")
    assert header[header.index("zip_code") + 1] == "country"
