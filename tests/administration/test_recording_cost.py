"""What recording a dose through the page costs (issue 18): a fixed number of statements, of
which one short transaction (the person, the appointment, the record, the ledger line, the
balance's conditional decrement and both audit rows in one INSERT)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus
from administration.models import AdministrationRecord
from administration.selectors.clinical import series_rules
from administration.services import recording
from cvms.models import AuditEvent
from cvms.roles import Role
from employers.enums import InviteeStatus
from inventory import selectors as inventory_selectors
from inventory.models import StockMovement
from tests.administration.factories import appointment_at, clinic_with_stock, works_at
from tests.employers.factories import InviteeFactory

pytestmark = pytest.mark.django_db

# The gate (session, user, groups, membership, role: 5), the page's clinic, appointment and lot
# (3), then the transaction: the person locked (1), their doses (1), the appointment locked and
# closed (2), the booking's reserved dose given back (1), the record, the ledger line, the
# balance's decrement, the audit rows (4). In a test the transaction is a savepoint (+2). The
# series rules are the process's, read once (not per request), and the connection's lock
# timeout was set when it was opened (no SET LOCAL per lock).
RECORDING_STATEMENTS = 19


def _url(clinic, appointment):
    return reverse(
        "provider:administration.dose.record",
        kwargs={"clinic_pk": clinic.pk, "appointment_pk": appointment.pk},
    )


def _post(client, clinic, appointment, stock_row):
    return client.post(
        _url(clinic, appointment),
        {
            "stock": stock_row.pk,
            "dose_number": 1,
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "route": "C28161",
            "site": "LD",
            "volume_ml": "0.3",
        },
    )


@pytest.fixture
def recording_page(client, personas):
    vaccinator = personas.home[Role.VACCINATOR]
    clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    works_at(vaccinator, clinic.location)
    client.force_login(vaccinator)
    stock_row = inventory_selectors.lots_usable(location=clinic.location, product=clinic.product).get()
    return clinic, lot, stock_row


@pytest.mark.postgres
def test_recording_a_dose_through_the_page_runs_a_fixed_number_of_statements(
    client, recording_page, django_assert_num_queries
):
    clinic, lot, stock_row = recording_page
    appointment = appointment_at(clinic)
    # The vaccinator opens the page first (as they do): the process's caches (content types, for
    # the location permission) are warm, as in a web process past its first request.
    assert client.get(_url(clinic, appointment)).status_code == 200
    series_rules()  # ... and it holds the catalogue's series rules

    with django_assert_num_queries(RECORDING_STATEMENTS):
        answer = _post(client, clinic, appointment, stock_row)

    record = AdministrationRecord.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("provider:administration.visit", kwargs={"record_pk": record.pk})
    assert (record.recipient, record.lot, record.appointment) == (appointment.recipient, lot, appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.VACCINATED
    assert inventory_selectors.stock_on_hand(location=clinic.location, lot=lot) == 9
    assert inventory_selectors.ledger_total(location=clinic.location, lot=lot) == 9
    assert StockMovement.objects.filter(reference=record.event_id, quantity=-1).count() == 1
    assert sorted(AuditEvent.objects.values_list("action", flat=True).filter(action__contains=".dose.")) == [
        "administration.dose.recorded"
    ]
    assert AuditEvent.objects.filter(action="inventory.stock.administered").count() == 1


def test_a_person_on_a_roster_is_followed_on_it(client, recording_page):
    clinic, _lot, stock_row = recording_page
    appointment = appointment_at(clinic)
    invitee = InviteeFactory(recipient_id=appointment.recipient.pk)

    answer = _post(client, clinic, appointment, stock_row)

    assert answer.status_code == 302
    invitee.refresh_from_db()
    # One dose of a two-dose series, nothing else booked: registered.
    assert invitee.status == InviteeStatus.REGISTERED


def test_a_dose_refused_for_an_empty_lot_writes_nothing(personas, recording_page):
    """The balance is taken last, by a conditional UPDATE: when it finds no dose (taken since the
    page was drawn), the record, the ledger line, the appointment's close and both audit rows
    roll back with it."""
    clinic, lot, stock_row = recording_page
    appointment = appointment_at(clinic)
    type(stock_row).objects.filter(pk=stock_row.pk).update(on_hand=0)
    audits = AuditEvent.objects.count()

    with pytest.raises(recording.RecordingError) as refused:
        recording.dose_record(
            recipient=appointment.recipient,
            location=clinic.location,
            details=recording.DoseDetails(
                product=lot.product, lot=lot, dose_number=1, administered_at=timezone.now()
            ),
            appointment=appointment,
            by=personas.home[Role.VACCINATOR],
        )

    assert str(refused.value) == f"Lot {lot.number} has no doses on hand at {clinic.location.name}."
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert not AdministrationRecord.objects.exists()
    assert not StockMovement.objects.filter(kind="administered").exists()
    assert AuditEvent.objects.count() == audits
