"""Recording doses: the refusals of acceptance item 2, stock, appointments, voids, access (item 6)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus, RecordStatus
from administration.models import AdministrationRecord
from administration.services import recording
from cvms.models import AuditEvent
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.factories import appointment_at, clinic_with_stock, works_at
from tests.factories import LocationFactory, member
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def _details(lot, *, dose_number=1, at=None, product=None, exception=""):
    return recording.DoseDetails(
        product=product or lot.product,
        lot=lot,
        dose_number=dose_number,
        administered_at=at or timezone.now(),
        route="C28161",
        site="LD",
        volume_ml=Decimal("0.30"),
        product_exception=exception,
    )


def _on_hand(location, lot):
    return inventory_selectors.stock_on_hand(location=location, lot=lot)


@pytest.fixture
def vaccinator(personas):
    return personas.home[Role.VACCINATOR]


def test_recording_a_dose_moves_stock_and_completes_the_appointment(personas, vaccinator):
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic)
    record = recording.dose_record(
        recipient=appointment.recipient,
        location=clinic.location,
        details=_details(lot),
        appointment=appointment,
        by=vaccinator,
    )
    assert _on_hand(clinic.location, lot) == 9
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.VACCINATED
    assert (record.dose_number, record.lot, record.vaccinator, record.status) == (
        1,
        lot,
        vaccinator,
        RecordStatus.RECORDED,
    )
    assert AuditEvent.objects.filter(action="administration.dose.recorded", target_id=str(record.pk)).exists()


def test_expired_lot_is_refused(vaccinator):
    clinic, lot = clinic_with_stock()
    type(lot).objects.filter(pk=lot.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    lot.refresh_from_db()
    with pytest.raises(recording.RecordingError, match="expired"):
        recording.dose_record(
            recipient=RecipientFactory(), location=clinic.location, details=_details(lot), by=vaccinator
        )
    assert AdministrationRecord.objects.count() == 0
    assert _on_hand(clinic.location, lot) == 10


def test_lot_of_another_location_is_refused(vaccinator):
    clinic, _lot = clinic_with_stock()
    elsewhere, other_lot = stock(location=LocationFactory(), lot=LotFactory())
    with pytest.raises(recording.RecordingError, match="no doses on hand"):
        recording.dose_record(
            recipient=RecipientFactory(), location=clinic.location, details=_details(other_lot), by=vaccinator
        )
    assert _on_hand(elsewhere, other_lot) == 10
    assert AdministrationRecord.objects.count() == 0


def test_dose_too_early_for_the_series_is_refused(vaccinator):
    clinic, lot = clinic_with_stock()  # the factory product: 21 days between doses
    recipient = RecipientFactory()
    recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(lot, at=timezone.now() - timedelta(days=10)),
        by=vaccinator,
    )
    with pytest.raises(recording.RecordingError, match="Too early"):
        recording.dose_record(
            recipient=recipient, location=clinic.location, details=_details(lot, dose_number=2), by=vaccinator
        )
    assert AdministrationRecord.objects.filter(recipient=recipient).count() == 1
    assert _on_hand(clinic.location, lot) == 9


def test_dose_within_the_grace_period_is_recorded(vaccinator):
    clinic, lot = clinic_with_stock()
    recipient = RecipientFactory()
    recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(lot, at=timezone.now() - timedelta(days=17)),
        by=vaccinator,
    )
    record = recording.dose_record(
        recipient=recipient, location=clinic.location, details=_details(lot, dose_number=2), by=vaccinator
    )
    assert record.dose_number == 2


def test_duplicate_dose_is_refused(vaccinator):
    clinic, lot = clinic_with_stock()
    recipient = RecipientFactory()
    recording.dose_record(recipient=recipient, location=clinic.location, details=_details(lot), by=vaccinator)
    with pytest.raises(recording.DuplicateDose, match="Dose 1 is already"):
        recording.dose_record(
            recipient=recipient, location=clinic.location, details=_details(lot), by=vaccinator
        )
    assert AdministrationRecord.objects.filter(recipient=recipient).count() == 1
    assert _on_hand(clinic.location, lot) == 9


def test_second_dose_of_another_product_needs_the_confirmed_exception(vaccinator):
    clinic, lot = clinic_with_stock()
    recipient = RecipientFactory()
    recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(lot, at=timezone.now() - timedelta(days=30)),
        by=vaccinator,
    )
    _, other = stock(location=clinic.location, lot=LotFactory())
    with pytest.raises(recording.ProductMismatch, match="Give the same product"):
        recording.dose_record(
            recipient=recipient,
            location=clinic.location,
            details=_details(other, dose_number=2),
            by=vaccinator,
        )
    record = recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(other, dose_number=2, exception="First product not available"),
        by=vaccinator,
    )
    assert record.product_exception == "First product not available"


def test_voiding_a_record_keeps_it_and_puts_the_dose_back(personas, vaccinator):
    clinic, lot = clinic_with_stock()
    record = recording.dose_record(
        recipient=RecipientFactory(), location=clinic.location, details=_details(lot), by=vaccinator
    )
    admin = personas.home[Role.PROVIDER_ADMIN]
    with pytest.raises(recording.RecordingError, match="reason"):
        recording.dose_void(record=record, reason=" ", by=admin)
    record = recording.dose_void(record=record, reason="Wrong person", by=admin)
    assert (record.status, record.status_reason, record.version) == (RecordStatus.VOIDED, "Wrong person", 2)
    assert _on_hand(clinic.location, lot) == 10
    assert AuditEvent.objects.filter(action="administration.dose.voided", target_id=str(record.pk)).exists()


# --- the recording page -------------------------------------------------------------------------


def _record_url(clinic, appointment):
    return reverse(
        "provider:administration.dose.record",
        kwargs={"clinic_pk": clinic.pk, "appointment_pk": appointment.pk},
    )


def test_vaccinator_records_a_dose_from_the_page(client, personas, vaccinator):
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic)
    works_at(vaccinator, clinic.location)
    client.force_login(vaccinator)
    page = client.get(_record_url(clinic, appointment))
    assert lot.number in page.content.decode()
    stock_row = inventory_selectors.lots_usable(location=clinic.location, product=clinic.product).get()
    answer = client.post(
        _record_url(clinic, appointment),
        {
            "stock": stock_row.pk,
            "dose_number": 1,
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "LD",
            "volume_ml": "0.3",
        },
    )
    assert answer.status_code == 302
    assert AdministrationRecord.objects.get().recipient == appointment.recipient
    assert _on_hand(clinic.location, lot) == 9


def test_recording_page_lists_only_usable_lots_of_this_location(client, personas, vaccinator):
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    expired = LotFactory(product=clinic.product, expires_on=timezone.localdate() + timedelta(days=30))
    stock(location=clinic.location, lot=expired)
    type(expired).objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    _, elsewhere = stock(
        location=LocationFactory(organization=personas.organizations["home_provider"]),
        lot=LotFactory(product=clinic.product),
    )
    works_at(vaccinator, clinic.location)
    client.force_login(vaccinator)
    text = client.get(_record_url(clinic, appointment_at(clinic))).content.decode()
    assert lot.number in text and expired.number not in text and elsewhere.number not in text


def test_vaccinator_of_another_organization_gets_404(client, personas):
    clinic, _lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic)
    client.force_login(personas.other[Role.VACCINATOR])
    assert client.get(_record_url(clinic, appointment)).status_code == 404
    assert client.post(_record_url(clinic, appointment), {"stock": 1}).status_code == 404
    assert AdministrationRecord.objects.count() == 0


def test_another_organizations_records_are_not_on_its_clinic_page(client, personas, vaccinator):
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    recording.dose_record(
        recipient=RecipientFactory(), location=clinic.location, details=_details(lot), by=vaccinator
    )
    client.force_login(member(personas.organizations["other_provider"], Role.PROVIDER_ADMIN))
    assert (
        client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": clinic.pk})).status_code
        == 404
    )


def test_vaccinator_not_assigned_to_the_clinics_location_gets_404(client, personas, vaccinator):
    clinic, _lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic)
    works_at(vaccinator, LocationFactory(organization=personas.organizations["home_provider"]))
    client.force_login(vaccinator)
    assert client.get(_record_url(clinic, appointment)).status_code == 404
    assert client.post(_record_url(clinic, appointment), {"stock": 1}).status_code == 404
    assert AdministrationRecord.objects.count() == 0
