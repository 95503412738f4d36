"""Recording asks the clinical evaluator (issue 14): a dose out of sequence, too early, for a person
too young or at another volume than the product's dose is refused with a message naming the rule
and what would be valid, unless the vaccinator gives a documented reason; then it is kept, marked
not valid, and the registry files report it as invalid. Historical doses count for the series."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord
from administration.selectors import clinical
from administration.selectors.reporting import dose_report, report_rows
from administration.services import historical, recording
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.factories import AdministrationRecordFactory, works_at
from tests.factories import LocationFactory, member
from tests.inventory.factories import LotFactory, ProductFactory, SeriesRuleFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("provider:administration.walk_in")
RECORD = reverse("provider:administration.walk_in.record")


@pytest.fixture
def place():
    """A vaccinator at a location with 10 doses of a 0.3 mL, two-dose product (21 days, 12+)."""
    rule = SeriesRuleFactory(product=ProductFactory(name="Comirnaty test"), dose_volume_ml="0.3")
    location, lot = stock(location=LocationFactory(), lot=LotFactory(product=rule.product), doses=10)
    user = member(location.organization, Role.VACCINATOR)
    works_at(user, location)
    return {"location": location, "lot": lot, "vaccinator": user, "rule": rule}


def _walk_in(client, place, person):
    client.force_login(place["vaccinator"])
    client.post(
        SEARCH,
        {"last_name": person.last_name, "date_of_birth": person.date_of_birth.isoformat()},
        follow=True,
    )


def _dose(place, person, **fields):
    stock_row = inventory_selectors.lots_usable(
        location=place["location"], product=place["lot"].product
    ).get()
    return {
        "recipient": person.pk,
        "location": place["location"].pk,
        "stock": stock_row.pk,
        "dose_number": 1,
        "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "route": "C28161",
        "site": "LD",
        "volume_ml": "0.3",
        "vfc_eligibility": "V01",
    } | fields


def _details(place, *, dose_number=1, volume="0.3", at=None, reason=""):
    return recording.DoseDetails(
        product=place["lot"].product,
        lot=place["lot"],
        dose_number=dose_number,
        administered_at=at or timezone.now(),
        volume_ml=Decimal(volume),
        invalid_reason=reason,
    )


def test_walk_in_recorded_as_dose_2_with_no_dose_1_is_refused(client, place):
    person = RecipientFactory()
    _walk_in(client, place, person)
    page = client.post(RECORD, _dose(place, person, dose_number=2))
    assert page.status_code == 200
    assert "Out of sequence: this is dose 1 of the series, not dose 2." in page.content.decode()
    assert not AdministrationRecord.objects.filter(recipient=person).exists()


def test_walk_in_dose_1_at_5_ml_is_refused_naming_the_products_dose(client, place):
    person = RecipientFactory()
    _walk_in(client, place, person)
    page = client.post(RECORD, _dose(place, person, volume_ml="5"))
    assert "Wrong volume: a dose of Comirnaty test is 0.3 mL, not 5 mL." in page.content.decode()
    assert not AdministrationRecord.objects.filter(recipient=person).exists()


def test_the_walk_in_of_the_issue_dose_2_then_dose_1_at_ten_times_the_volume_records_nothing(client, place):
    person = RecipientFactory()
    _walk_in(client, place, person)
    client.post(RECORD, _dose(place, person, dose_number=2))
    client.post(RECORD, _dose(place, person, dose_number=1, volume_ml="5"))
    assert not AdministrationRecord.objects.filter(recipient=person).exists()
    assert inventory_selectors.stock_on_hand(location=place["location"], lot=place["lot"]) == 10
    client.post(RECORD, _dose(place, person))  # dose 1, 0.3 mL: valid
    assert list(
        AdministrationRecord.objects.filter(recipient=person).values_list("dose_number", "valid")
    ) == [(1, True)]


def test_walk_in_page_offers_the_dose_number_the_forecaster_says(client, place):
    person = RecipientFactory()
    AdministrationRecordFactory(
        recipient=person,
        location=place["location"],
        lot=place["lot"],
        administered_at=timezone.now() - timedelta(days=30),
    )
    _walk_in(client, place, person)
    page = client.get(RECORD, {"recipient": person.pk, "location": place["location"].pk}).content.decode()
    assert 'name="dose_number" value="2"' in page
    assert "Next: dose 2, from" in page


def test_dose_too_young_is_refused_with_the_age_and_the_day_it_would_be_valid(place):
    child = RecipientFactory(date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 11))
    with pytest.raises(recording.DoseNotValid) as refused:
        recording.dose_record(
            recipient=child, location=place["location"], details=_details(place), by=place["vaccinator"]
        )
    twelfth = child.date_of_birth.replace(year=child.date_of_birth.year + 12)
    assert f"is for people aged 12 years or older (from {twelfth:%Y-%m-%d})" in str(refused.value)


def test_dose_too_early_is_refused_saying_from_when(place):
    person = RecipientFactory()
    first = recording.dose_record(
        recipient=person,
        location=place["location"],
        details=_details(place, at=timezone.now() - timedelta(days=10)),
        by=place["vaccinator"],
    )
    with pytest.raises(recording.DoseNotValid) as refused:
        recording.dose_record(
            recipient=person,
            location=place["location"],
            details=_details(place, dose_number=2),
            by=place["vaccinator"],
        )
    earliest = timezone.localdate(first.administered_at) + timedelta(days=21)
    assert f"Too early: dose 2 can be given from {earliest:%Y-%m-%d}, 21 days after" in str(refused.value)


def test_dose_not_valid_with_a_documented_reason_is_kept_marked_and_reported_invalid(place):
    person = RecipientFactory()
    record = recording.dose_record(
        recipient=person,
        location=place["location"],
        details=_details(place, volume="0.15", reason="The syringe leaked; half the dose was given."),
        by=place["vaccinator"],
    )
    assert (record.valid, record.invalid_findings, record.invalid_reason) == (
        False,
        "wrong_volume",
        "The syringe leaked; half the dose was given.",
    )
    # The repeat is dose 1 again, and valid: the dose not valid doesn't hold its number.
    repeat = recording.dose_record(
        recipient=person, location=place["location"], details=_details(place), by=place["vaccinator"]
    )
    assert (repeat.dose_number, repeat.valid) == (1, True)
    rows = {
        row["id"]: dose_report(row)
        for row in report_rows(AdministrationRecord.objects.filter(recipient=person))
    }
    assert (rows[record.pk].dose_number, rows[record.pk].series_complete, rows[record.pk].completion) == (
        "INV",
        "NO",
        "PA",
    )
    assert (rows[repeat.pk].dose_number, rows[repeat.pk].completion) == ("1", "CP")


def test_walk_in_with_a_documented_reason_is_recorded_from_the_page(client, place):
    person = RecipientFactory()
    _walk_in(client, place, person)
    response = client.post(
        RECORD,
        _dose(place, person, volume_ml="0.5", invalid_reason="Drawn from the wrong syringe size; reported."),
    )
    assert response.status_code == 302
    record = AdministrationRecord.objects.get(recipient=person)
    assert (record.valid, record.invalid_findings) == (False, "wrong_volume")


def test_historical_dose_counts_for_the_series_and_is_reported_as_historical(client, place):
    person = RecipientFactory()
    _walk_in(client, place, person)
    given_on = timezone.localdate() - timedelta(days=40)
    response = client.post(
        RECORD,
        {
            "action": "historical",
            "recipient": person.pk,
            "location": place["location"].pk,
            "product": place["lot"].product.pk,
            "given_on": given_on.isoformat(),
        },
    )
    assert response.status_code == 302
    card = AdministrationRecord.objects.get(recipient=person)
    assert (card.historical, card.dose_number, card.valid, card.lot_id) == (True, 1, True, None)
    assert inventory_selectors.stock_on_hand(location=place["location"], lot=place["lot"]) == 10
    forecast = clinical.person_evaluation(person).forecast
    assert (forecast.dose_number, forecast.earliest) == (2, given_on + timedelta(days=21))
    # Dose 2 here completes the series it started.
    client.post(RECORD, _dose(place, person, dose_number=2))
    assert clinical.person_evaluation(person).primary_complete
    (row,) = [dose_report(r) for r in report_rows(AdministrationRecord.objects.filter(pk=card.pk))]
    assert row.historical


def test_historical_dose_too_close_to_another_is_refused_without_a_reason(place):
    person = RecipientFactory()
    dose = historical.HistoricalDose(
        product=place["lot"].product, given_on=timezone.localdate() - timedelta(days=30)
    )
    historical.historical_dose_record(
        recipient=person, location=place["location"], dose=dose, by=place["vaccinator"]
    )
    too_close = historical.HistoricalDose(
        product=place["lot"].product, given_on=timezone.localdate() - timedelta(days=25)
    )
    with pytest.raises(recording.DoseNotValid):
        historical.historical_dose_record(
            recipient=person, location=place["location"], dose=too_close, by=place["vaccinator"]
        )
    kept = historical.historical_dose_record(
        recipient=person,
        location=place["location"],
        dose=historical.HistoricalDose(
            product=too_close.product, given_on=too_close.given_on, invalid_reason="As written on the card."
        ),
        by=place["vaccinator"],
    )
    assert (kept.valid, kept.invalid_findings, kept.dose_number) == (False, "too_early", 2)


def test_historical_dose_in_the_future_or_before_birth_is_refused(place):
    person = RecipientFactory(date_of_birth=date(1990, 1, 1))
    for day in (timezone.localdate() + timedelta(days=1), date(1989, 12, 31)):
        with pytest.raises(recording.RecordingError):
            historical.historical_dose_record(
                recipient=person,
                location=place["location"],
                dose=historical.HistoricalDose(product=place["lot"].product, given_on=day),
                by=place["vaccinator"],
            )
    assert not AdministrationRecord.objects.filter(recipient=person).exists()
