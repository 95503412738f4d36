"""Booking under concurrent requests, with real threads against PostgreSQL (acceptance 2); the
end-of-day sweep against recordings."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from administration.enums import AppointmentStatus
from administration.models import AdministrationRecord, Appointment, Clinic, Slot
from administration.services import booking as services
from administration.services import recording
from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.administration.factories import appointment_at, clinic, clinic_with_stock, works_at
from tests.concurrency import run_together
from tests.recipients.factories import RecipientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_fifty_people_booking_a_slot_of_ten_get_ten_appointments_and_forty_full_answers():
    the_clinic = clinic(slot_capacity=10)
    slot = the_clinic.slots.first()
    people = [RecipientFactory(group="2") for _ in range(50)]
    PriorityGroup.objects.filter(code="2").update(is_open=True)

    def booking(person):
        return lambda: services.appointment_book(
            recipient=person, slot_id=slot.pk, dose_number=1, by=person.user
        )

    results = run_together([booking(person) for person in people])

    booked = [r for r in results if isinstance(r, Appointment)]
    full = [r for r in results if isinstance(r, services.SlotFull)]
    assert (len(booked), len(full)) == (10, 40), [
        r for r in results if not isinstance(r, Appointment | services.SlotFull)
    ]
    assert {str(r) for r in full} == {"This time is full. Choose another time."}
    assert Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED).count() == 10
    assert Slot.objects.get(pk=slot.pk).booked == 10


def test_one_person_booking_the_same_dose_twice_at_once_gets_one_appointment():
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10)
    first, second = the_clinic.slots.all()[:2]
    person = RecipientFactory(group="2")

    results = run_together(
        [
            lambda: services.appointment_book(
                recipient=person, slot_id=first.pk, dose_number=1, by=person.user
            ),
            lambda: services.appointment_book(
                recipient=person, slot_id=second.pk, dose_number=1, by=person.user
            ),
        ]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1, results
    assert sum(isinstance(r, services.AlreadyBooked) for r in results) == 1, results
    assert Appointment.objects.filter(recipient=person, status=AppointmentStatus.BOOKED).count() == 1
    # The refused booking gave its place back: only one place is taken across both slots.
    assert sum(Slot.objects.filter(pk__in=[first.pk, second.pk]).values_list("booked", flat=True)) == 1


def test_bookings_at_once_never_promise_more_doses_than_the_location_has():
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10, doses=4)
    slot = the_clinic.slots.first()
    people = [RecipientFactory(group="2") for _ in range(10)]

    results = run_together(
        [
            (lambda p=p: services.appointment_book(recipient=p, slot_id=slot.pk, dose_number=1, by=p.user))
            for p in people
        ]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 4, results
    assert sum(isinstance(r, services.SlotFull) for r in results) == 6


def test_the_end_of_day_sweep_never_marks_a_no_show_someone_whose_dose_is_being_recorded(personas):
    """Twenty doses recorded while the sweep closes the clinic's day: each appointment ends either
    vaccinated with its dose, or a no-show whose recording was refused; never a no-show with a
    dose (the sweep's UPDATE is conditional on the status)."""
    the_clinic, lot = clinic_with_stock(organization=personas.organizations["home_provider"], doses=30)
    vaccinator = personas.home[Role.VACCINATOR]
    works_at(vaccinator, the_clinic.location)
    appointments = [appointment_at(the_clinic) for _ in range(20)]
    Clinic.objects.filter(pk=the_clinic.pk).update(date=timezone.localdate() - timedelta(days=1))

    def record(appointment):
        return lambda: recording.dose_record(
            recipient=appointment.recipient,
            location=the_clinic.location,
            details=recording.DoseDetails(
                product=lot.product,
                lot=lot,
                dose_number=1,
                administered_at=timezone.now(),
                volume_ml=Decimal(lot.product.dose_volume_ml),
            ),
            appointment=appointment,
            by=vaccinator,
        )

    def sweep_once_some_are_vaccinated():
        # Some recordings done, some under way, some not started: then the day is closed.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Appointment.objects.filter(status=AppointmentStatus.VACCINATED).count() >= 5:
                break
            time.sleep(0.01)
        return services.no_shows_close(now=timezone.now())

    results = run_together([*(record(a) for a in appointments), sweep_once_some_are_vaccinated])

    closed = results[-1]
    ended = {a.pk: a.status for a in Appointment.objects.filter(pk__in=[a.pk for a in appointments])}
    dosed = set(
        AdministrationRecord.objects.filter(appointment__in=appointments).values_list(
            "appointment_id", flat=True
        )
    )
    assert all(
        (ended[a.pk], a.pk in dosed, isinstance(result, recording.RecordingError))
        in {(AppointmentStatus.VACCINATED, True, False), (AppointmentStatus.NO_SHOW, False, True)}
        for a, result in zip(appointments, results[: len(appointments)], strict=True)
    ), (ended, results)
    no_shows = [pk for pk, status in ended.items() if status == AppointmentStatus.NO_SHOW]
    assert closed == len(no_shows)
    assert AuditEvent.objects.filter(action="administration.appointment.no_show").count() == len(no_shows)
