"""Booking at the database's pace (issue 18): the location's doses reserved kept exact by every
path that books or ends an appointment, a booking's fixed handful of queries, a full slot
answered without a lock, and the confirmation and roster status after commit, once."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus
from administration.models import Appointment, DoseReservation, Slot
from administration.selectors import booking as selectors
from administration.selectors.clinical import series_rules
from administration.services import booking as services
from administration.services import clinics, recording
from administration.tasks import appointment_booked_follow_up
from cvms.models import AuditEvent, OutboundEmail
from cvms.roles import Role
from employers.enums import InviteeStatus
from employers.models import Invitee
from tests.administration.factories import appointment_at, clinic, clinic_with_stock, works_at
from tests.employers.factories import InviteeFactory
from tests.factories import member
from tests.recipients.factories import RecipientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def book(person, slot, dose=1):
    return services.appointment_book(recipient=person, slot_id=slot.pk, dose_number=dose, by=person.user)


def reserved(the_clinic) -> int:
    return DoseReservation.objects.get(location=the_clinic.location, product=the_clinic.product).reserved


def booked_there(the_clinic) -> int:
    return Appointment.objects.filter(
        slot__clinic__location=the_clinic.location,
        slot__clinic__product=the_clinic.product,
        status=AppointmentStatus.BOOKED,
    ).count()


# --- A booking's cost ------------------------------------------------------------------------


def test_a_booking_through_the_page_runs_a_fixed_handful_of_queries(
    client, open_group, django_assert_num_queries
):
    """14 statements, the request's whole cost: 4 for the gate (session, user, groups, the
    person, whom the booking doesn't read again), 1 the slot with its clinic (a full one is
    refused here), 2 the forecaster (doses, appointments); then the booking's transaction:
    the clinic held, the INSERT, the later doses, the audit row, the outbox row, and last the
    two conditional UPDATEs (the slot, the location's doses). The series rules are the
    process's (read once, not per request), and the connection's lock timeout was set when it
    was opened. The test's own transaction adds the SAVEPOINT and RELEASE that are the
    booking's BEGIN and COMMIT in production (16 here); the e-mail and the roster come after
    commit."""
    person = RecipientFactory(group="2")
    the_clinic = clinic(slot_capacity=10)
    slot = the_clinic.slots.first()
    client.force_login(person.user)
    url = reverse("me:administration.clinic", kwargs={"clinic_pk": the_clinic.pk})
    series_rules()  # a web process past its first booking holds the catalogue's rules

    with django_assert_num_queries(16):
        response = client.post(url, {"slot": slot.pk})

    appointment = Appointment.objects.get(recipient=person)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "me:administration.appointment", kwargs={"appointment_pk": appointment.pk}
    )
    assert (appointment.dose_number, appointment.status) == (1, AppointmentStatus.BOOKED)
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert reserved(the_clinic) == 1
    assert AuditEvent.objects.filter(
        action="administration.appointment.booked", target_id=str(appointment.pk)
    ).exists()


def test_a_full_slot_answers_full_without_a_lock_or_a_write(open_group):
    the_clinic = clinic(slot_capacity=1)
    slot = the_clinic.slots.first()
    book(RecipientFactory(group="2"), slot)
    late = RecipientFactory(group="2")

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(services.SlotFull, match="This time is full"),
    ):
        book(late, slot)

    statements = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert len(queries.captured_queries) == 2  # the person, the slot
    assert "FOR SHARE" not in statements and "FOR UPDATE" not in statements
    assert "UPDATE " not in statements and "INSERT " not in statements
    assert not Appointment.objects.filter(recipient=late).exists()


def test_a_slot_of_another_clinic_posted_to_a_clinics_page_is_refused(client, open_group):
    person = RecipientFactory(group="2")
    shown, other = clinic(), clinic()
    client.force_login(person.user)

    page = client.post(
        reverse("me:administration.clinic", kwargs={"clinic_pk": shown.pk}),
        {"slot": other.slots.first().pk},
        follow=True,
    )

    assert "Choose a time." in page.content.decode()
    assert not Appointment.objects.filter(recipient=person).exists()
    assert reserved(other) == 0


def test_a_slot_posted_to_a_clinic_that_does_not_exist_answers_404_and_books_nothing(client, open_group):
    person = RecipientFactory(group="2")
    other = clinic()
    client.force_login(person.user)

    page = client.post(
        reverse("me:administration.clinic", kwargs={"clinic_pk": other.pk + 1000}),
        {"slot": other.slots.first().pk},
    )

    assert page.status_code == 404
    assert not Appointment.objects.filter(recipient=person).exists()
    assert reserved(other) == 0


# --- After commit ----------------------------------------------------------------------------


def test_the_confirmation_and_the_roster_follow_after_commit_once(
    open_group, django_capture_on_commit_callbacks
):
    person = RecipientFactory(group="2")
    invitee = InviteeFactory(recipient_id=person.pk, status=InviteeStatus.REGISTERED)
    slot = clinic().slots.first()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment = book(person, slot)

    # Committed, nothing sent yet: the e-mail and the roster wait for the booking's commit.
    assert not OutboundEmail.objects.exists()
    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.REGISTERED
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
        # A task delivered twice sends one e-mail.
        again = appointment_booked_follow_up.apply(
            kwargs={"appointment_id": appointment.pk, "by_id": None}
        ).get()

    assert again is False
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert appointment.confirmation_code in mail.outbox[0].body
    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.BOOKED


def test_a_refused_booking_promises_no_follow_up(open_group, django_capture_on_commit_callbacks):
    the_clinic = clinic(slot_capacity=1)
    slot = the_clinic.slots.first()
    book(RecipientFactory(group="2"), slot)
    person = RecipientFactory(group="2")
    Slot.objects.filter(pk=slot.pk).update(capacity=2, booked=1)
    DoseReservation.objects.filter(location=the_clinic.location).update(reserved=100)  # no dose left

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.SlotFull, match="no doses"):
        book(person, slot)

    assert not Appointment.objects.filter(recipient=person).exists()
    assert Slot.objects.get(pk=slot.pk).booked == 1  # the place it took went back with the rollback
    assert not OutboundEmail.objects.filter(to=[person.email]).exists()


# --- The counter follows every path ----------------------------------------------------------


def test_the_counter_follows_booking_cancelling_moving_and_a_cancelled_clinic(open_group):
    first = clinic(slot_minutes=15, doses=10)
    elsewhere = clinic(slot_minutes=15, doses=10)
    people = [RecipientFactory(group="2") for _ in range(3)]
    slots = list(first.slots.all())
    appointments = [book(person, slots[n]) for n, person in enumerate(people)]
    assert (reserved(first), booked_there(first)) == (3, 3)

    services.appointment_cancel(appointment=appointments[0], by=people[0].user)
    assert (reserved(first), booked_there(first)) == (2, 2)

    moved = services.appointment_reschedule(
        appointment=appointments[1], slot_id=slots[3].pk, by=people[1].user
    )
    assert (reserved(first), booked_there(first)) == (2, 2)  # within the location: the dose kept
    services.appointment_reschedule(appointment=moved, slot_id=elsewhere.slots.first().pk, by=people[1].user)
    assert (reserved(first), reserved(elsewhere)) == (1, 1)
    assert selectors.doses_available(location=first.location, product=first.product) == 9

    clinics.clinic_cancel(
        clinic=first, by=member(first.location.organization, Role.PROVIDER_ADMIN), reason="Storm"
    )
    assert (reserved(first), booked_there(first)) == (0, 0)
    assert reserved(elsewhere) == 1


def test_the_counter_follows_check_in_no_shows_and_the_end_of_day(open_group, time_machine):
    the_clinic = clinic(slot_minutes=15, doses=10, days_ahead=1)
    slots = list(the_clinic.slots.all())
    people = [RecipientFactory(group="2") for _ in range(3)]
    arrived, missed, swept = (book(person, slots[n]) for n, person in enumerate(people))
    staff = member(the_clinic.location.organization, Role.PROVIDER_ADMIN)
    assert reserved(the_clinic) == 3

    services.appointment_check_in(clinic=the_clinic, code=arrived.confirmation_code, by=staff)
    assert (reserved(the_clinic), booked_there(the_clinic)) == (2, 2)

    time_machine.move_to(slots[-1].ends_at + timedelta(minutes=1))
    services.appointment_no_show(appointment=missed, by=staff)
    assert (reserved(the_clinic), booked_there(the_clinic)) == (1, 1)

    time_machine.move_to(slots[-1].ends_at + timedelta(days=1))
    assert services.no_shows_close(now=timezone.now()) == 1
    assert Appointment.objects.get(pk=swept.pk).status == AppointmentStatus.NO_SHOW
    assert (reserved(the_clinic), booked_there(the_clinic)) == (0, 0)


def test_the_counter_gives_back_a_dose_recorded_or_refused_at_the_appointment(personas):
    the_clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"], doses=5)
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, the_clinic.location)
    given, refused = appointment_at(the_clinic), appointment_at(the_clinic)
    assert reserved(the_clinic) == 2

    recording.dose_record(
        recipient=given.recipient,
        location=the_clinic.location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=1,
            administered_at=timezone.now(),
            volume_ml=Decimal(lot.product.dose_volume_ml),
        ),
        appointment=given,
        by=vaccinator,
    )
    assert (reserved(the_clinic), booked_there(the_clinic)) == (1, 1)
    recording.refusal_record(
        recipient=refused.recipient,
        location=the_clinic.location,
        product=lot.product,
        refused_at=timezone.now(),
        reason="03",
        appointment=refused,
        by=vaccinator,
    )
    assert (reserved(the_clinic), booked_there(the_clinic)) == (0, 0)


def test_the_migration_fills_the_counters_from_the_booked_appointments(open_group):
    first = clinic(slot_minutes=15, doses=10)
    second = clinic(location=first.location, product=first.product, slot_minutes=15, doses=0)
    slots = [*first.slots.all(), *second.slots.all()]
    appointments = [book(RecipientFactory(group="2"), slots[n]) for n in range(4)]
    services.appointment_cancel(appointment=appointments[0], by=appointments[0].recipient.user)
    DoseReservation.objects.all().delete()

    migration = importlib.import_module("administration.migrations.0012_dose_reservation")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)

    assert reserved(first) == 3
