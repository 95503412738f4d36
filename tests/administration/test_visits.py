"""The end of a visit (issue 14): an appointment's life ends vaccinated, refused, no-show or
cancelled; the roster follows (registered → booked → vaccinated); a refusal never blocks a later
booking."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone

from administration.enums import AppointmentStatus
from administration.models import Appointment
from administration.services import booking, recording
from cvms.models import AuditEvent
from cvms.outbox import sweep
from cvms.roles import Role
from employers.enums import InviteeStatus
from employers.models import Invitee
from tests.administration.factories import appointment_at, clinic, clinic_with_stock, works_at
from tests.employers.factories import InviteeFactory
from tests.inventory.factories import ProductFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vaccinator(personas):
    return personas.home[Role.VACCINATOR]


@pytest.fixture
def today_clinic(personas, vaccinator):
    """A clinic today at a location of the home provider where the vaccinator works."""
    today, lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    works_at(vaccinator, today.location)
    return today, lot


def give_dose(appointment, lot, by, *, dose_number=1, at=None):
    return recording.dose_record(
        recipient=appointment.recipient,
        location=appointment.slot.clinic.location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=dose_number,
            administered_at=at or timezone.now(),
            route="C28161",
            site="LD",
            volume_ml=Decimal(lot.product.dose_volume_ml),
        ),
        appointment=appointment,
        by=by,
    )


def refuse(appointment, by):
    return recording.refusal_record(
        recipient=appointment.recipient,
        location=appointment.slot.clinic.location,
        product=appointment.slot.clinic.product,
        refused_at=timezone.now(),
        reason="03",
        appointment=appointment,
        by=by,
    )


# --- Vaccinated, refused ---------------------------------------------------------------------


def test_a_dose_closes_the_appointment_as_vaccinated_and_the_clinic_offers_no_more_recording(
    client, today_clinic, vaccinator
):
    clinic_today, lot = today_clinic
    appointment = appointment_at(clinic_today, recipient=RecipientFactory(first_name="Ines"))

    give_dose(appointment, lot, vaccinator)

    client.force_login(vaccinator)
    page = client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": clinic_today.pk}))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.VACCINATED
    assert "Vaccinated" in page.content.decode()
    assert "Record Ines&#x27;s dose" not in page.content.decode()
    assert "Mark Ines as a no-show" not in page.content.decode()


def test_a_refusal_closes_the_appointment_as_refused(client, today_clinic, vaccinator):
    clinic_today, _lot = today_clinic
    appointment = appointment_at(clinic_today, recipient=RecipientFactory(first_name="Ines"))

    refuse(appointment, vaccinator)

    client.force_login(vaccinator)
    page = client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": clinic_today.pk}))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.REFUSED
    assert "Refused" in page.content.decode()
    assert "Record Ines&#x27;s dose" not in page.content.decode()


def test_a_closed_appointment_takes_no_second_dose_nor_refusal(today_clinic, vaccinator):
    clinic_today, lot = today_clinic
    appointment = appointment_at(clinic_today)
    refuse(appointment, vaccinator)

    with pytest.raises(recording.RecordingError, match="This appointment is closed: Refused"):
        give_dose(appointment, lot, vaccinator)
    with pytest.raises(recording.RecordingError, match="This appointment is closed: Refused"):
        refuse(appointment, vaccinator)


def test_the_record_page_of_a_closed_appointment_is_not_offered_again(client, today_clinic, vaccinator):
    clinic_today, lot = today_clinic
    appointment = appointment_at(clinic_today)
    give_dose(appointment, lot, vaccinator)
    client.force_login(vaccinator)

    page = client.get(
        reverse(
            "provider:administration.dose.record",
            kwargs={"clinic_pk": clinic_today.pk, "appointment_pk": appointment.pk},
        ),
        follow=True,
    )

    assert "This appointment is closed: Vaccinated." in page.content.decode()
    assert "Record the dose" not in page.content.decode()


def test_after_a_refused_first_dose_the_person_books_a_first_dose_again(
    client, open_group, today_clinic, vaccinator
):
    clinic_today, _lot = today_clinic
    person = RecipientFactory(group="2")
    refuse(appointment_at(clinic_today, recipient=person), vaccinator)
    later = clinic(days_ahead=5)
    client.force_login(person.user)

    page = client.post(
        reverse("me:administration.clinic", kwargs={"clinic_pk": later.pk}),
        {"slot": later.slots.first().pk},
        follow=True,
    )

    assert "Your appointment is booked." in page.content.decode()
    again = Appointment.objects.get(recipient=person, status=AppointmentStatus.BOOKED)
    assert (again.dose_number, again.slot.clinic_id) == (1, later.pk)


# --- No-shows at the end of the clinic day ---------------------------------------------------


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_the_sweep_marks_a_booked_appointment_no_show_once_its_clinic_day_has_ended(today_clinic):
    clinic_today, _lot = today_clinic  # open 08:00-18:00 today
    waiting = appointment_at(clinic_today)
    day = clinic_today.date

    with time_machine.travel(_at(day, 17, 59)):
        sweep()
    waiting.refresh_from_db()
    assert waiting.status == AppointmentStatus.BOOKED

    with time_machine.travel(_at(day, 18, 1)):
        sweep()
    waiting.refresh_from_db()
    assert waiting.status == AppointmentStatus.NO_SHOW
    event = AuditEvent.objects.get(action="administration.appointment.no_show")
    assert (event.actor, event.target_id, event.data) == (None, str(waiting.pk), {"by": "end of clinic day"})


def test_the_sweep_leaves_people_who_came_and_those_cancelled(today_clinic, vaccinator):
    clinic_today, lot = today_clinic
    vaccinated = appointment_at(clinic_today)
    give_dose(vaccinated, lot, vaccinator)
    refused = appointment_at(clinic_today)
    refuse(refused, vaccinator)
    arrived = appointment_at(clinic_today)
    Appointment.objects.filter(pk=arrived.pk).update(status=AppointmentStatus.ATTENDED)
    cancelled = appointment_at(clinic_today)
    booking.appointment_cancel(appointment=cancelled, by=vaccinator)

    with time_machine.travel(_at(clinic_today.date + timedelta(days=1), 9)):
        sweep()

    # An arrived person's dose may still be recorded after the clinic closes (paper first).
    assert [Appointment.objects.get(pk=a.pk).status for a in (vaccinated, refused, arrived, cancelled)] == [
        AppointmentStatus.VACCINATED,
        AppointmentStatus.REFUSED,
        AppointmentStatus.ATTENDED,
        AppointmentStatus.CANCELLED,
    ]
    assert not AuditEvent.objects.filter(action="administration.appointment.no_show").exists()


def test_the_sweep_puts_the_roster_back_to_registered_when_nothing_else_is_booked(today_clinic):
    clinic_today, _lot = today_clinic
    person = RecipientFactory()
    invitee = InviteeFactory(recipient_id=person.pk, status=InviteeStatus.BOOKED)
    appointment_at(clinic_today, recipient=person)

    with time_machine.travel(_at(clinic_today.date, 23)):
        sweep()

    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.REGISTERED


# --- The roster follows ----------------------------------------------------------------------


def test_the_roster_shows_vaccinated_only_once_the_series_is_complete(today_clinic, vaccinator):
    clinic_today, lot = today_clinic  # a two-dose product, 21 days apart
    person = RecipientFactory()
    invitee = InviteeFactory(recipient_id=person.pk, status=InviteeStatus.BOOKED)
    first = appointment_at(clinic_today, recipient=person)

    give_dose(first, lot, vaccinator, at=timezone.now() - timedelta(days=21))
    after_first = Invitee.objects.get(pk=invitee.pk).status
    second = appointment_at(clinic_today, recipient=person, dose_number=2)
    give_dose(second, lot, vaccinator, dose_number=2)

    assert after_first == InviteeStatus.REGISTERED  # one dose of two: not vaccinated yet
    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.VACCINATED


def test_a_refusal_puts_the_roster_back_to_registered(today_clinic, vaccinator):
    clinic_today, _lot = today_clinic
    person = RecipientFactory()
    invitee = InviteeFactory(recipient_id=person.pk, status=InviteeStatus.BOOKED)
    refuse(appointment_at(clinic_today, recipient=person), vaccinator)

    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.REGISTERED


# --- The next dose, booked before the person leaves --------------------------------------------


def visit_url(record):
    return reverse("provider:administration.visit", kwargs={"record_pk": record.pk})


@pytest.fixture
def first_dose_given(today_clinic, vaccinator):
    """Dose 1 of a two-dose product (21 days apart) given today to a walk-in whose priority
    group isn't open (booking the second isn't a matter of eligibility any more)."""
    clinic_today, lot = today_clinic
    person = RecipientFactory(user=None, email="", first_name="Ines", last_name="Duarte")
    record = recording.dose_record(
        recipient=person,
        location=clinic_today.location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=1,
            administered_at=timezone.now(),
            volume_ml=Decimal(lot.product.dose_volume_ml),
        ),
        by=vaccinator,
    )
    return record


def test_the_visit_offers_times_at_the_vaccinators_clinics_from_the_day_dose_2_is_due(
    client, first_dose_given, vaccinator
):
    record = first_dose_given
    product, location = record.product, record.location
    too_soon = clinic(location=location, product=product, days_ahead=20)
    due_day = clinic(location=location, product=product, days_ahead=21)
    other_vaccine = clinic(
        location=location, product=ProductFactory(cvx="212", series_doses=1), days_ahead=25
    )
    other_organization = clinic(product=product, days_ahead=25)
    client.force_login(vaccinator)

    page = client.get(visit_url(record))

    due = timezone.localdate() + timedelta(days=21)
    offered = {slot.clinic_id for slot in page.context["slots"]}
    assert offered == {due_day.pk}
    assert not offered & {too_soon.pk, other_vaccine.pk, other_organization.pk}
    assert f"Dose 2 is due from {formats.date_format(due, 'DATE_FORMAT')}." in page.content.decode()
    assert AuditEvent.objects.filter(action="administration.visit.viewed", target_id=str(record.pk)).exists()


def test_the_vaccinator_books_dose_2_and_the_person_leaves_with_the_code(
    client, first_dose_given, vaccinator, django_capture_on_commit_callbacks
):
    record = first_dose_given
    invitee = InviteeFactory(recipient_id=record.recipient_id, status=InviteeStatus.REGISTERED)
    due_day = clinic(location=record.location, product=record.product, days_ahead=21)
    slot = due_day.slots.first()
    client.force_login(vaccinator)

    with django_capture_on_commit_callbacks(execute=True):  # the roster follows after commit
        page = client.post(visit_url(record), {"slot": slot.pk}, follow=True)

    appointment = Appointment.objects.get(recipient=record.recipient, status=AppointmentStatus.BOOKED)
    assert (appointment.dose_number, appointment.slot) == (2, slot)
    assert f"Their confirmation code is {appointment.confirmation_code}." in page.content.decode()
    assert f"confirmation code {appointment.confirmation_code}" in page.content.decode()  # shown on the page
    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.BOOKED
    event = AuditEvent.objects.get(action="administration.next_dose.booked")
    assert (event.actor, event.target_id, event.data) == (
        vaccinator,
        str(appointment.pk),
        {"after_record": record.pk, "dose": 2},
    )


def test_a_time_before_dose_2_is_due_is_refused(client, first_dose_given, vaccinator):
    record = first_dose_given
    too_soon = clinic(location=record.location, product=record.product, days_ahead=10)
    client.force_login(vaccinator)

    page = client.post(visit_url(record), {"slot": too_soon.slots.first().pk})

    assert "can&#x27;t be given before" in page.content.decode()
    assert not Appointment.objects.filter(recipient=record.recipient).exists()


def test_a_time_at_another_organizations_clinic_is_refused(client, first_dose_given, vaccinator):
    record = first_dose_given
    elsewhere = clinic(product=record.product, days_ahead=21)
    client.force_login(vaccinator)

    page = client.post(visit_url(record), {"slot": elsewhere.slots.first().pk})

    assert "Choose a time at one of your clinics." in page.content.decode()
    assert not Appointment.objects.filter(recipient=record.recipient).exists()


def test_nothing_is_offered_once_dose_2_is_booked(client, first_dose_given, vaccinator):
    record = first_dose_given
    slot = clinic(location=record.location, product=record.product, days_ahead=21).slots.first()
    client.force_login(vaccinator)
    client.post(visit_url(record), {"slot": slot.pk})

    page = client.get(visit_url(record))
    again = client.post(visit_url(record), {"slot": slot.pk})

    assert (page.context["bookable"], page.context["slots"]) == (False, [])
    assert "Book dose 2" not in page.content.decode()
    assert "has no dose left to book" in again.content.decode()
    assert Appointment.objects.filter(recipient=record.recipient).count() == 1


def test_another_organizations_visit_and_a_refusal_are_404(client, today_clinic, vaccinator, personas):
    clinic_today, _lot = today_clinic
    refusal = refuse(appointment_at(clinic_today), vaccinator)
    client.force_login(personas.other[Role.VACCINATOR])
    other_page = client.get(visit_url(refusal))
    client.force_login(vaccinator)

    assert (other_page.status_code, client.get(visit_url(refusal)).status_code) == (404, 404)


@pytest.mark.parametrize("clinics", [1, 8])
def test_the_visit_page_reads_a_fixed_number_of_queries(
    client, first_dose_given, vaccinator, clinics, django_assert_max_num_queries
):
    record = first_dose_given
    for days in range(21, 21 + clinics):
        clinic(location=record.location, product=record.product, days_ahead=days)
    client.force_login(vaccinator)

    with django_assert_max_num_queries(30):
        page = client.get(visit_url(record))

    assert len(page.context["slots"]) == min(2 * clinics, 40)


def test_the_record_page_shows_an_overdue_dose_2_from_the_day_it_was_due(client, today_clinic, vaccinator):
    clinic_today, lot = today_clinic
    person = RecipientFactory(user=None, email="")
    given = timezone.now() - timedelta(days=40)
    record = recording.dose_record(
        recipient=person,
        location=clinic_today.location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=1,
            administered_at=given,
            volume_ml=Decimal(lot.product.dose_volume_ml),
        ),
        by=vaccinator,
    )
    client.force_login(vaccinator)

    page = client.get(reverse("provider:administration.record", kwargs={"record_pk": record.pk}))

    due = timezone.localdate(given) + timedelta(days=21)
    assert f"Dose 2 is due from {formats.date_format(due, 'DATE_FORMAT')}." in page.content.decode()
    assert "Past due." in page.content.decode()
