"""Booking, rescheduling, cancelling, checking in and cancelling clinics under concurrent requests,
with real threads against PostgreSQL: each lock's test, and its control without the lock; the
end-of-day sweep against recordings."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import AdministrationRecord, Appointment, Clinic, DoseReservation, Slot
from administration.selectors import booking as selectors
from administration.services import booking as services
from administration.services import clinics, recording, reservations
from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.administration.factories import appointment_at, clinic, clinic_with_stock, works_at
from tests.concurrency import after, locks_disabled, outcomes, pause_after, pause_before, run_together
from tests.factories import member
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


def _doses_left_across_slots(doses: int):
    """`doses` left at a location across two clinics of one product (the second has none of its
    own), and twice as many people each booking a slot of their own, five places each."""
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    first = clinic(slot_minutes=15, doses=doses)
    second = clinic(location=first.location, product=first.product, slot_minutes=15, doses=0)
    slots = [*first.slots.all(), *second.slots.all()][: 2 * doses]
    people = [RecipientFactory(group="2") for _ in range(2 * doses)]
    return first, _bookings(people, slots)


def test_twice_as_many_bookings_as_doses_left_across_slots_book_exactly_the_doses(monkeypatch):
    """The doses a location can promise span its clinics of one product: eight bookings at once
    over eight slots of two clinics, for four doses, book four; no lock on the location (the
    counter's conditional UPDATE decides), and the counter ends at the booked appointments."""
    first, works = _doses_left_across_slots(4)
    pause_before(monkeypatch, services, "_new_code", 0.2)  # all past their checks at once

    results = run_together(works)

    assert outcomes(results) == {"Appointment": 4, "SlotFull": 4}, results
    assert {str(r) for r in results if isinstance(r, services.SlotFull)} == {
        "This clinic has no doses left to offer. Choose another clinic or day."
    }
    booked = Appointment.objects.filter(
        slot__clinic__location=first.location, status=AppointmentStatus.BOOKED
    )
    assert booked.count() == 4
    assert DoseReservation.objects.get(location=first.location, product=first.product).reserved == 4
    assert selectors.doses_available(location=first.location, product=first.product) == 0


def test_bookings_without_the_conditional_update_promise_more_doses_than_the_location_has(monkeypatch):
    """The control of the counter: a booking that reads the doses left, then adds one to the
    counter without the UPDATE's condition, promises more doses than the location has. This
    test exists to show that the harness catches it."""
    first, works = _doses_left_across_slots(4)

    def read_then_write(*, location_id, product_id):
        left = selectors.doses_available(location=first.location, product=first.product)
        time.sleep(0.3)  # the others read the same count meanwhile
        if left < 1:
            return False
        DoseReservation.objects.filter(location_id=location_id, product_id=product_id).update(
            reserved=F("reserved") + 1
        )
        return True

    monkeypatch.setattr(reservations, "dose_take", read_then_write)

    with locks_disabled():
        results = run_together(works)

    assert sum(isinstance(r, Appointment) for r in results) > 4, results


def _bookings(people, slots):
    return [
        (
            lambda p=p, n=n: services.appointment_book(
                recipient=p, slot_id=slots[n % len(slots)].pk, dose_number=1, by=p.user
            )
        )
        for n, p in enumerate(people)
    ]


def _book_while_the_clinic_is_cancelled(monkeypatch):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10)
    slot = the_clinic.slots.first()
    person = RecipientFactory(group="2")
    admin = member(the_clinic.location.organization, Role.PROVIDER_ADMIN)
    # The booking has read the clinic's status and waits before taking its place; the
    # cancellation comes in that moment.
    pause_before(monkeypatch, services, "_take_place")
    return the_clinic, [
        lambda: services.appointment_book(recipient=person, slot_id=slot.pk, dose_number=1, by=person.user),
        after(0.1, lambda: clinics.clinic_cancel(clinic=the_clinic, by=admin, reason="Storm")),
    ]


def test_a_booking_while_its_clinic_is_cancelled_is_cancelled_with_the_others(monkeypatch):
    the_clinic, works = _book_while_the_clinic_is_cancelled(monkeypatch)

    booked, told = run_together(works)

    # The cancellation waited for the booking's clinic lock, then found and cancelled it.
    assert isinstance(booked, Appointment) and told == 1, (booked, told)
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.CANCELLED
    assert not Appointment.objects.filter(slot__clinic=the_clinic, status=AppointmentStatus.BOOKED).exists()
    assert sum(Slot.objects.filter(clinic=the_clinic).values_list("booked", flat=True)) == 0


def test_a_booking_without_the_clinic_lock_lands_in_a_cancelled_clinic(monkeypatch):
    """The control of the clinic's lock when booking."""
    the_clinic, works = _book_while_the_clinic_is_cancelled(monkeypatch)

    with locks_disabled():
        booked, told = run_together(works)

    assert told == 0, told
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED
    assert Clinic.objects.get(pk=the_clinic.pk).status == ClinicStatus.CANCELLED


def _reschedule_twice(monkeypatch):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10, slot_minutes=15)
    first, second, third = the_clinic.slots.all()[:3]
    person = RecipientFactory(group="2")
    booked = services.appointment_book(recipient=person, slot_id=first.pk, dose_number=1, by=person.user)
    pause_before(monkeypatch, services, "_release")  # the status was read; not yet moved
    return [
        (lambda s=s: services.appointment_reschedule(appointment=booked, slot_id=s.pk, by=person.user))
        for s in (second, third)
    ]


def test_one_appointment_moved_twice_at_once_moves_once(monkeypatch):
    results = run_together(_reschedule_twice(monkeypatch))

    refused = [r for r in results if isinstance(r, services.BookingError)]
    assert sum(isinstance(r, Appointment) for r in results) == 1, results
    assert [str(r) for r in refused] == ["Only a booked appointment can be rescheduled."]


def test_without_the_lock_both_moves_pass_the_status_check(monkeypatch):
    """The control of the appointment's lock when rescheduling: both moves see it booked; only
    the database's one-appointment-per-dose constraint stops the second."""
    works = _reschedule_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    refused = [r for r in results if isinstance(r, services.BookingError)]
    assert [type(r) for r in refused] == [services.AlreadyBooked], results


def _cancel_twice(monkeypatch):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10)
    slot = the_clinic.slots.first()
    people = [RecipientFactory(group="2") for _ in range(2)]
    booked = [
        services.appointment_book(recipient=p, slot_id=slot.pk, dose_number=1, by=p.user) for p in people
    ]
    pause_before(monkeypatch, services, "_release")
    return slot, [lambda: services.appointment_cancel(appointment=booked[0], by=people[0].user)] * 2


def test_one_appointment_cancelled_twice_at_once_gives_its_place_back_once(monkeypatch):
    slot, works = _cancel_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Appointment": 1, "BookingError": 1}, results
    assert Slot.objects.get(pk=slot.pk).booked == 1  # the other person's place stays taken
    assert AuditEvent.objects.filter(action="administration.appointment.cancelled").count() == 1


def test_without_the_lock_a_double_cancel_gives_two_places_back(monkeypatch):
    """The control of the appointment's lock when cancelling."""
    slot, works = _cancel_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Appointment": 2}, results
    assert Slot.objects.get(pk=slot.pk).booked == 0  # one person still booked, no place counted


def _check_in_twice(monkeypatch):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10)
    person = RecipientFactory(group="2")
    booked = services.appointment_book(
        recipient=person, slot_id=the_clinic.slots.first().pk, dose_number=1, by=person.user
    )
    staff = member(the_clinic.location.organization, Role.VACCINATOR)
    pause_before(monkeypatch, services, "audit")  # marked arrived, not yet committed
    return [
        lambda: services.appointment_check_in(clinic=the_clinic, code=booked.confirmation_code, by=staff)
    ] * 2


def test_one_code_checked_in_twice_at_once_is_checked_in_once(monkeypatch):
    results = run_together(_check_in_twice(monkeypatch))

    assert outcomes(results) == {"Appointment": 1, "BookingError": 1}, results
    assert AuditEvent.objects.filter(action="administration.appointment.checked_in").count() == 1


def test_without_the_lock_one_code_is_checked_in_twice(monkeypatch):
    """The control of the appointment's lock at check-in: both pass the status check and mark the
    person arrived; each gives the appointment's dose back, and only the counter's CHECK
    constraint (reserved not below zero) stops the second from committing."""
    works = _check_in_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Appointment": 1, "IntegrityError": 1}, results
    assert "administration_dosereservation" in str(next(r for r in results if not isinstance(r, Appointment)))


def _cancel_the_clinic_twice(monkeypatch):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    the_clinic = clinic(slot_capacity=10)
    person = RecipientFactory(group="2")
    services.appointment_book(
        recipient=person, slot_id=the_clinic.slots.first().pk, dose_number=1, by=person.user
    )
    admins = [member(the_clinic.location.organization, Role.PROVIDER_ADMIN) for _ in range(2)]
    pause_after(monkeypatch, clinics, "lock_one")  # the clinic's status was read, nothing changed yet
    return [(lambda a=a: clinics.clinic_cancel(clinic=the_clinic, by=a, reason="Storm")) for a in admins]


def test_a_clinic_cancelled_by_two_people_at_once_is_cancelled_once(monkeypatch):
    works = _cancel_the_clinic_twice(monkeypatch)

    results = run_together(works)

    assert sorted(results) == [0, 1], results
    assert AuditEvent.objects.filter(action="administration.clinic.cancelled").count() == 1


def test_without_the_lock_a_clinic_is_cancelled_twice(monkeypatch):
    """The control of the clinic's lock when cancelling it (and of its appointments' rows):
    the second cancellation, which should have found it cancelled, cancels it again."""
    works = _cancel_the_clinic_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert sorted(results) == [0, 1], results
    assert AuditEvent.objects.filter(action="administration.clinic.cancelled").count() == 2
