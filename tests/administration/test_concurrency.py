"""Booking under concurrent requests, with real threads against PostgreSQL (acceptance 2)."""

import pytest

from administration.enums import AppointmentStatus
from administration.models import Appointment, Slot
from administration.services import booking as services
from enrollment.models import PriorityGroup
from tests.administration.factories import clinic
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
