"""Dose records after the fact: corrections, voiding, refusals, adverse events; walk-ins and
today's clinics; another organization's records are a 404 (acceptance 6)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus, RecordStatus
from administration.models import AdministrationRecord, AdverseEvent
from administration.services import recording
from cvms.models import AuditEvent
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.factories import appointment_at, clinic_with_stock, works_at
from tests.factories import LocationFactory
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def _details(lot, **changes):
    values = {
        "product": lot.product,
        "lot": lot,
        "dose_number": 1,
        "administered_at": timezone.now() - timedelta(hours=1),
        "route": "C28161",
        "site": "LD",
        "volume_ml": Decimal("0.30"),
    }
    return recording.DoseDetails(**(values | changes))


def _on_hand(location, lot):
    return inventory_selectors.stock_on_hand(location=location, lot=lot)


@pytest.fixture
def home(personas):
    organization = personas.organizations["home_provider"]
    location, lot = stock(location=LocationFactory(organization=organization))
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, location)
    record = recording.dose_record(
        recipient=RecipientFactory(), location=location, details=_details(lot), by=vaccinator
    )
    return {
        "location": location,
        "lot": lot,
        "record": record,
        "admin": personas.home[Role.PROVIDER_ADMIN],
        "vaccinator": vaccinator,
        "organization": organization,
    }


# --- Corrections ---------------------------------------------------------------------------------


def test_correcting_the_lot_puts_the_dose_back_and_takes_one_from_the_new_lot(home):
    _, other_lot = stock(location=home["location"], lot=LotFactory(product=home["lot"].product))
    record = recording.dose_correct(
        record=home["record"],
        details=_details(other_lot, site="RD"),
        reason="Wrong lot typed",
        by=home["admin"],
    )
    assert (record.lot, record.site, record.status, record.version) == (
        other_lot,
        "RD",
        RecordStatus.CORRECTED,
        2,
    )
    assert (_on_hand(home["location"], home["lot"]), _on_hand(home["location"], other_lot)) == (10, 9)
    event = AuditEvent.objects.get(action="administration.dose.corrected")
    assert event.data["before"]["lot"] == home["lot"].number and event.data["reason"] == "Wrong lot typed"


def test_correcting_the_location_moves_the_dose_between_locations(home):
    elsewhere, _ = stock(location=LocationFactory(organization=home["organization"]), lot=home["lot"])
    recording.dose_correct(
        record=home["record"],
        location=elsewhere,
        details=_details(home["lot"]),
        reason="Other site",
        by=home["admin"],
    )
    assert (_on_hand(home["location"], home["lot"]), _on_hand(elsewhere, home["lot"])) == (10, 9)


def test_correcting_only_the_site_moves_no_stock(home):
    recording.dose_correct(
        record=home["record"], details=_details(home["lot"], site="RD"), reason="Arm", by=home["admin"]
    )
    assert _on_hand(home["location"], home["lot"]) == 9


def test_correction_without_a_reason_or_by_a_vaccinator_is_refused(home):
    with pytest.raises(recording.RecordingError, match="reason"):
        recording.dose_correct(
            record=home["record"], details=_details(home["lot"]), reason=" ", by=home["admin"]
        )
    with pytest.raises(recording.RecordingError, match="provider administrator"):
        recording.dose_correct(
            record=home["record"], details=_details(home["lot"]), reason="x", by=home["vaccinator"]
        )
    assert AdministrationRecord.objects.get().version == 1


def test_correction_to_a_lot_with_no_stock_here_is_refused_and_changes_nothing(home):
    empty = LotFactory(product=home["lot"].product)
    with pytest.raises(recording.RecordingError, match="no doses on hand"):
        recording.dose_correct(record=home["record"], details=_details(empty), reason="x", by=home["admin"])
    assert AdministrationRecord.objects.get().lot == home["lot"]


def test_correction_page_corrects_with_a_reason(client, home):
    client.force_login(home["admin"])
    url = reverse("provider:administration.record.correct", kwargs={"record_pk": home["record"].pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "location": home["location"].pk,
            "lot": home["lot"].pk,
            "dose_number": 1,
            "administered_at": timezone.localtime(home["record"].administered_at).strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "RA",
            "volume_ml": "0.30",
            "reason": "Right arm, not deltoid",
        },
    )
    assert response.status_code == 302
    record = AdministrationRecord.objects.get()
    assert (record.site, record.status_reason) == ("RA", "Right arm, not deltoid")


def test_vaccinator_can_not_open_the_correction_or_void_pages(client, home):
    client.force_login(home["vaccinator"])
    for name in ("provider:administration.record.correct", "provider:administration.record.void"):
        assert client.get(reverse(name, kwargs={"record_pk": home["record"].pk})).status_code == 403


# --- Voiding ---------------------------------------------------------------------------------------


def test_void_page_asks_for_a_reason_and_a_confirmation_then_keeps_the_record_voided(client, home):
    client.force_login(home["admin"])
    url = reverse("provider:administration.record.void", kwargs={"record_pk": home["record"].pk})
    assert "Void the record" in client.get(url).content.decode()
    unconfirmed = client.post(url, {"reason": "Entered twice"})
    assert (
        unconfirmed.status_code == 200 and AdministrationRecord.objects.get().status == RecordStatus.RECORDED
    )
    assert client.post(url, {"reason": "Entered twice", "confirm": "on"}).status_code == 302
    record = AdministrationRecord.objects.get()
    assert (record.status, record.status_reason) == (RecordStatus.VOIDED, "Entered twice")
    assert _on_hand(home["location"], home["lot"]) == 10


# --- Refusals ------------------------------------------------------------------------------------


def test_refusal_from_an_appointment_is_recorded_without_stock_and_completes_it(client, personas):
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic)
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, clinic.location)
    client.force_login(vaccinator)
    url = reverse(
        "provider:administration.dose.record",
        kwargs={"clinic_pk": clinic.pk, "appointment_pk": appointment.pk},
    )
    response = client.post(
        url,
        {"action": "refuse", "reason": "03", "refused_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    record = AdministrationRecord.objects.get()
    assert (record.refused, record.refusal_reason, record.lot, record.dose_number) == (True, "03", None, None)
    assert _on_hand(clinic.location, lot) == 10
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.REFUSED


def test_a_refusal_does_not_take_the_dose_number(home):
    person = RecipientFactory()
    recording.refusal_record(
        recipient=person,
        location=home["location"],
        product=home["lot"].product,
        refused_at=timezone.now(),
        reason="03",
        by=home["vaccinator"],
    )
    record = recording.dose_record(
        recipient=person, location=home["location"], details=_details(home["lot"]), by=home["vaccinator"]
    )
    assert record.dose_number == 1


# --- Adverse events ------------------------------------------------------------------------------


def test_adverse_event_is_recorded_against_the_dose_with_its_vaers_number(client, home):
    client.force_login(home["vaccinator"])
    url = reverse("provider:administration.record.adverse_event", kwargs={"record_pk": home["record"].pk})
    response = client.post(
        url,
        {
            "onset_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "description": "Hives on both arms",
            "severity": "moderate",
            "reported_to_vaers": "on",
            "vaers_number": "1234567-1",
        },
        follow=True,
    )
    assert "Hives on both arms" in response.content.decode()
    event = AdverseEvent.objects.get()
    assert (event.record, event.severity, event.vaers_number) == (home["record"], "moderate", "1234567-1")
    assert AuditEvent.objects.filter(action="administration.adverse_event.recorded").exists()


def test_adverse_event_reported_to_vaers_needs_its_number(client, home):
    client.force_login(home["vaccinator"])
    url = reverse("provider:administration.record.adverse_event", kwargs={"record_pk": home["record"].pk})
    response = client.post(
        url,
        {
            "onset_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "description": "Fainted",
            "severity": "mild",
            "reported_to_vaers": "on",
        },
    )
    assert "Give the VAERS report number." in response.content.decode()
    assert AdverseEvent.objects.count() == 0


def test_adverse_event_before_the_dose_is_refused(home):
    with pytest.raises(recording.RecordingError, match="before the dose"):
        recording.adverse_event_record(
            record=home["record"],
            onset_at=home["record"].administered_at - timedelta(days=1),
            description="x",
            severity="mild",
            reported_to_vaers=False,
            by=home["vaccinator"],
        )


# --- Walk-ins and today's clinics ------------------------------------------------------------------


def test_walk_in_is_found_by_last_name_and_date_of_birth_and_recorded(client, home):
    person = RecipientFactory(last_name="Okafor", first_name="Ada")
    RecipientFactory(last_name="Okafor", first_name="Ben", date_of_birth="1990-01-01")
    client.force_login(home["vaccinator"])
    found = client.post(
        reverse("provider:administration.walk_in"),
        {"last_name": "okafor", "date_of_birth": person.date_of_birth.isoformat()},
        follow=True,
    ).content.decode()
    assert "Ada" in found and "Ben" not in found
    url = reverse("provider:administration.walk_in.record")
    page = client.get(url, {"recipient": person.pk})
    assert home["lot"].number in page.content.decode()
    stock_row = inventory_selectors.lots_usable(location=home["location"], product=home["lot"].product).get()
    response = client.post(
        url,
        {
            "recipient": person.pk,
            "location": home["location"].pk,
            "stock": stock_row.pk,
            "dose_number": 1,
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "LD",
            "volume_ml": "0.3",
        },
    )
    assert response.status_code == 302
    assert AdministrationRecord.objects.filter(recipient=person, location=home["location"]).count() == 1
    assert _on_hand(home["location"], home["lot"]) == 8


def test_walk_in_can_not_be_recorded_at_another_organizations_location(client, home):
    other_location, other_lot = stock(location=LocationFactory())
    person = RecipientFactory()
    client.force_login(home["vaccinator"])
    client.post(
        reverse("provider:administration.walk_in"),
        {"last_name": person.last_name, "date_of_birth": person.date_of_birth.isoformat()},
        follow=True,
    )
    stock_row = inventory_selectors.lots_usable(location=other_location, product=other_lot.product).get()
    response = client.post(
        reverse("provider:administration.walk_in.record"),
        {
            "recipient": person.pk,
            "location": other_location.pk,
            "stock": stock_row.pk,
            "dose_number": 1,
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "LD",
            "volume_ml": "0.3",
        },
    )
    # The location isn't one of theirs: the only one they may use is chosen, where that lot isn't.
    assert response.status_code == 200
    assert not AdministrationRecord.objects.filter(recipient=person).exists()
    assert _on_hand(other_location, other_lot) == 10


def test_todays_clinics_lists_only_the_vaccinators_locations(client, personas):
    organization = personas.organizations["home_provider"]
    mine, _ = clinic_with_stock(organization=organization)
    theirs, _ = clinic_with_stock(organization=organization)
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, mine.location)
    client.force_login(vaccinator)
    page = client.get(reverse("provider:administration.today")).content.decode()
    assert mine.location.name in page and theirs.location.name not in page


# --- Access: acceptance 6 --------------------------------------------------------------------------


def test_records_of_another_organization_are_404(client, home, personas):
    client.force_login(personas.other[Role.VACCINATOR])
    url = reverse("provider:administration.record", kwargs={"record_pk": home["record"].pk})
    assert client.get(url).status_code == 404
    assert "Hives" not in client.get(reverse("provider:administration.records")).content.decode()
    assert (
        home["record"].recipient.last_name
        not in client.get(reverse("provider:administration.records")).content.decode()
    )


def test_record_at_a_location_the_vaccinator_is_not_assigned_to_is_404(client, home, personas):
    colleague = personas.home[Role.VACCINATOR]
    elsewhere, lot = stock(location=LocationFactory(organization=home["organization"]))
    record = recording.dose_record(
        recipient=RecipientFactory(), location=elsewhere, details=_details(lot), by=home["admin"]
    )
    client.force_login(colleague)
    assert (
        client.get(reverse("provider:administration.record", kwargs={"record_pk": record.pk})).status_code
        == 404
    )
    client.force_login(home["admin"])
    assert (
        client.get(reverse("provider:administration.record", kwargs={"record_pk": record.pk})).status_code
        == 200
    )


def test_records_list_runs_the_same_queries_for_few_and_many(client, home, django_assert_num_queries):
    client.force_login(home["admin"])
    url = reverse("provider:administration.records")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        location, lot = stock(location=home["location"], lot=LotFactory(product=home["lot"].product))
        recording.dose_record(
            recipient=RecipientFactory(), location=location, details=_details(lot), by=home["admin"]
        )
    with django_assert_num_queries(len(few)):
        client.get(url)


# --- Searching records: terms out of URLs, searches audited (issue 13, findings 9 and 11) ----------


def test_a_records_search_keeps_its_terms_out_of_the_url_and_is_audited(client, home):
    client.force_login(home["vaccinator"])
    person = home["record"].recipient

    found = client.post(reverse("provider:administration.records"), {"q": person.last_name}, follow=True)

    assert [r.pk for r in found.context["records"]] == [home["record"].pk]
    assert [person.last_name not in url for url, _status in found.redirect_chain] == [True]
    event = AuditEvent.objects.get(action="administration.record.searched")
    assert (event.actor, event.data) == (home["vaccinator"], {"fields": ["q"], "found": [home["record"].pk]})
