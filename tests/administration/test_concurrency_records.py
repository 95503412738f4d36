"""Dose records under concurrent requests, with real threads against PostgreSQL: recording on a
person, recording against an appointment the person cancels, voiding, corrections that swap lots,
back-fill. Each lock's test, and its control without the lock (tests/test_locks.py)."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from administration.enums import AppointmentStatus, RecordStatus
from administration.models import AdministrationRecord, Appointment, Slot
from administration.services import booking, recording
from cvms.models import AuditEvent
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.factories import appointment_at, clinic_with_stock
from tests.concurrency import (
    JOIN_SECONDS,
    after,
    locks_disabled,
    outcomes,
    pause_after,
    pause_before,
    run_together,
)
from tests.factories import LocationFactory, member
from tests.inventory.factories import LotFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _details(lot, *, dose_number=1):
    return recording.DoseDetails(
        product=lot.product,
        lot=lot,
        dose_number=dose_number,
        administered_at=timezone.now() - timedelta(minutes=5),
        route="C28161",
        site="LD",
        volume_ml=Decimal("0.30"),
    )


def _two_first_doses_for_one_person(monkeypatch):
    location = LocationFactory()
    lot = LotFactory()
    stock(location=location, lot=lot, doses=10)
    person = RecipientFactory(first_name="Rosa", last_name="Díaz")
    vaccinators = [member(location.organization, Role.VACCINATOR) for _ in range(2)]
    # Both have checked the person's series; the record isn't written yet.
    pause_before(monkeypatch, recording, "_funding_fields")
    return person, [
        (lambda v=v: recording.dose_record(recipient=person, location=location, details=_details(lot), by=v))
        for v in vaccinators
    ]


def test_two_first_doses_recorded_for_one_person_at_once_make_one_record(monkeypatch):
    person, works = _two_first_doses_for_one_person(monkeypatch)

    results = run_together(works)

    refused = [r for r in results if isinstance(r, recording.DuplicateDose)]
    assert outcomes(results) == {"AdministrationRecord": 1, "DuplicateDose": 1}, results
    # The second vaccinator waited for the person's row, then the series check saw dose 1.
    assert [str(r) for r in refused] == ["Dose 1 is already on Rosa Díaz's record."]
    assert AdministrationRecord.objects.filter(recipient=person).count() == 1


def test_without_the_lock_two_first_doses_both_pass_the_series_check(monkeypatch):
    """The control of the person's lock when recording: both recordings find no dose 1 and go
    on; only the database's one-dose-number-per-person constraint stops the second."""
    _person, works = _two_first_doses_for_one_person(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    refused = [r for r in results if isinstance(r, recording.DuplicateDose)]
    assert [str(r) for r in refused] == ["Dose 1 is already on this person's record."], results


def test_recording_the_last_doses_of_a_lot_at_once_makes_exactly_that_many_records():
    """Twelve vaccinators record twelve people's doses from a lot with five left: the balance's
    conditional decrement lets five through, one after another, and refuses the rest; the
    balance ends at zero, equal to its ledger, never below it."""
    location = LocationFactory()
    lot = LotFactory()
    stock(location=location, lot=lot, doses=5)
    vaccinators = [member(location.organization, Role.VACCINATOR) for _ in range(3)]
    people = [RecipientFactory() for _ in range(12)]

    results = run_together(
        [
            (
                lambda p=p, v=vaccinators[n % 3]: recording.dose_record(
                    recipient=p, location=location, details=_details(lot), by=v
                )
            )
            for n, p in enumerate(people)
        ]
    )

    assert outcomes(results) == {"AdministrationRecord": 5, "RecordingError": 7}, results
    assert {str(r) for r in results if isinstance(r, Exception)} == {
        f"Lot {lot.number} has no doses on hand at {location.name}."
    }
    assert AdministrationRecord.objects.filter(lot=lot).count() == 5
    assert inventory_selectors.stock_on_hand(location=location, lot=lot) == 0
    assert inventory_selectors.ledger_total(location=location, lot=lot) == 0
    assert AuditEvent.objects.filter(action="administration.dose.recorded").count() == 5
    assert AuditEvent.objects.filter(action="inventory.stock.administered").count() == 5


def _record_while_the_person_cancels(monkeypatch):
    clinic, lot = clinic_with_stock()
    appointment = appointment_at(clinic)
    person = appointment.recipient
    vaccinator = member(clinic.location.organization, Role.VACCINATOR)
    pause_before(monkeypatch, recording, "_funding_fields")  # the appointment was read as booked
    return appointment, [
        lambda: recording.dose_record(
            recipient=person,
            location=clinic.location,
            details=_details(lot),
            appointment=appointment,
            by=vaccinator,
        ),
        after(0.1, lambda: booking.appointment_cancel(appointment=appointment, by=person.user)),
    ]


def test_a_person_cancelling_while_their_dose_is_recorded_is_told_it_is_too_late(monkeypatch):
    appointment, works = _record_while_the_person_cancels(monkeypatch)

    recorded, cancelled = run_together(works)

    assert isinstance(recorded, AdministrationRecord), recorded
    assert str(cancelled) == "This appointment is not booked any more."
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.VACCINATED
    assert not AuditEvent.objects.filter(action="administration.appointment.cancelled").exists()


def test_without_the_lock_an_appointment_is_cancelled_while_its_dose_is_recorded(monkeypatch):
    """The control of the appointment's lock when recording: the person is told their
    appointment is cancelled (and its place given back) while the dose is being recorded on it."""
    _appointment, works = _record_while_the_person_cancels(monkeypatch)

    with locks_disabled():
        recorded, cancelled = run_together(works)

    # Both passed the status check and gave the appointment's dose back: only the CHECK
    # constraint of the location's doses reserved (not below zero) refused the second.
    assert _refused_by_the_counter(recorded, cancelled), (recorded, cancelled)


def _void_twice(monkeypatch):
    location = LocationFactory()
    lot = LotFactory()
    stock(location=location, lot=lot, doses=10)
    admin = member(location.organization, Role.PROVIDER_ADMIN)
    records = [
        recording.dose_record(
            recipient=RecipientFactory(), location=location, details=_details(lot), by=admin
        )
        for _ in range(2)
    ]
    pause_before(monkeypatch, recording, "stock_return")  # the record was read as standing
    work = lambda: recording.dose_void(record=records[0], reason="Wrong person", by=admin)  # noqa: E731
    return location, lot, [work, work]


def test_one_record_voided_twice_at_once_puts_one_dose_back(monkeypatch):
    location, lot, works = _void_twice(monkeypatch)

    results = run_together(works)

    refused = [r for r in results if isinstance(r, recording.RecordingError)]
    assert [str(r) for r in refused] == ["This record is already voided."], results
    assert inventory_selectors.stock_on_hand(location=location, lot=lot) == 9


def test_without_the_lock_one_void_puts_two_doses_back(monkeypatch):
    """The control of the record's lock (voids and corrections)."""
    location, lot, works = _void_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"AdministrationRecord": 2}, results
    assert AdministrationRecord.objects.filter(status=RecordStatus.VOIDED).count() == 1
    assert inventory_selectors.stock_on_hand(location=location, lot=lot) == 10  # one too many


def _swap_lots(monkeypatch, *, meet: int = 0):
    location = LocationFactory()
    lot_a = LotFactory()
    lot_b = LotFactory(product=lot_a.product)
    for lot in (lot_a, lot_b):
        stock(location=location, lot=lot, doses=10)
    admin = member(location.organization, Role.PROVIDER_ADMIN)
    first = recording.dose_record(
        recipient=RecipientFactory(), location=location, details=_details(lot_a), by=admin
    )
    second = recording.dose_record(
        recipient=RecipientFactory(), location=location, details=_details(lot_b), by=admin
    )
    # Each has given its old lot's dose back and waits before taking the new lot's (long enough that
    # a thread started late under load still finds the other inside its window; the control has
    # both meet there first: under a load of 20 one thread can start more than 2 s after the other).
    pause_before(monkeypatch, recording, "stock_administer", 2.0, meet=meet)
    return location, [
        lambda: recording.dose_correct(record=first, details=_details(lot_b), reason="Lot misread", by=admin),
        lambda: recording.dose_correct(
            record=second, details=_details(lot_a), reason="Lot misread", by=admin
        ),
    ]


def test_two_corrections_swapping_lots_at_once_both_go_through(monkeypatch):
    location, works = _swap_lots(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"AdministrationRecord": 2}, results
    assert inventory_selectors.stock_on_hand(location=location) == 18


def test_without_the_locks_two_corrections_swapping_lots_deadlock(monkeypatch):
    """The control of the stock rows locked in one order: each correction holds one lot's
    balance and waits for the other's; PostgreSQL breaks the deadlock by failing one (on a
    loaded machine the bounded wait, LOCK_TIMEOUT_MS, can end it before the deadlock check)."""
    _location, works = _swap_lots(monkeypatch, meet=2)

    with locks_disabled():
        results = run_together(works)

    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 1, results
    assert "deadlock detected" in str(failed[0]) or "lock timeout" in str(failed[0]), results


def _once_reached(monkeypatch, name: str, seconds: float = 0.5) -> threading.Event:
    """As `pause_before(recording, name)`, and an event set when a thread gets there: the work
    raced against it starts once the recording is inside its window, however loaded the machine
    (a fixed head start of 0.1 s isn't one under a load of 20 on two cores)."""
    reached = threading.Event()
    original = getattr(recording, name)

    def paused(*args, **kwargs):
        reached.set()
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(recording, name, paused)
    return reached


def _once(reached: threading.Event, work):
    def late():
        assert reached.wait(JOIN_SECONDS), "the recording never reached its window"
        return work()

    return late


def test_a_no_show_marked_while_the_dose_is_recorded_never_overwrites_the_visit(monkeypatch):
    """Issue 13, finding 12: the no-show is a conditional UPDATE of a booked appointment; it
    waits for the recording's lock on the appointment, then finds it arrived, not booked."""
    clinic, lot = clinic_with_stock()
    appointment = appointment_at(clinic)
    Slot.objects.filter(pk=appointment.slot_id).update(starts_at=timezone.now() - timedelta(hours=1))
    staff = member(clinic.location.organization, Role.VACCINATOR)
    reached = _once_reached(monkeypatch, "_funding_fields")  # the appointment is locked and closed

    recorded, marked = run_together(
        [
            lambda: recording.dose_record(
                recipient=appointment.recipient,
                location=clinic.location,
                details=_details(lot),
                appointment=appointment,
                by=staff,
            ),
            _once(reached, lambda: booking.appointment_no_show(appointment=appointment, by=staff)),
        ]
    )

    assert isinstance(recorded, AdministrationRecord), recorded
    assert str(marked) == "Only a booked appointment can be marked as a no-show; this one is vaccinated."
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.VACCINATED


def test_without_the_lock_a_no_show_overwrites_the_visit_being_recorded(monkeypatch):
    """The control of the appointment's lock when marking a no-show."""
    clinic, lot = clinic_with_stock()
    appointment = appointment_at(clinic)
    Slot.objects.filter(pk=appointment.slot_id).update(starts_at=timezone.now() - timedelta(hours=1))
    staff = member(clinic.location.organization, Role.VACCINATOR)
    reached = _once_reached(monkeypatch, "audit")  # the appointment is closed, not committed

    with locks_disabled():
        recorded, marked = run_together(
            [
                lambda: recording.dose_record(
                    recipient=appointment.recipient,
                    location=clinic.location,
                    details=_details(lot),
                    appointment=appointment,
                    by=staff,
                ),
                _once(reached, lambda: booking.appointment_no_show(appointment=appointment, by=staff)),
            ]
        )

    # Both passed the status check and gave the appointment's dose back: only the CHECK
    # constraint of the location's doses reserved (not below zero) refused the second.
    assert _refused_by_the_counter(recorded, marked), (recorded, marked)


def _refused_by_the_counter(*results) -> bool:
    """One of `results` succeeded, the other is the database refusing a counter below zero."""
    errors = [r for r in results if isinstance(r, IntegrityError)]
    done = [r for r in results if isinstance(r, AdministrationRecord | Appointment)]
    return len(errors) == 1 and len(done) == 1 and "administration_dosereservation" in str(errors[0])


def _two_cards_for_one_person(monkeypatch):
    """Two doses from one person's card entered at once by two vaccinators: one given 60 days
    ago, one 20 days ago (the second is entered a moment later)."""
    from administration.services import historical

    location = LocationFactory()
    product = LotFactory().product
    person = RecipientFactory(first_name="Rosa", last_name="Díaz")
    vaccinators = [member(location.organization, Role.VACCINATOR) for _ in range(2)]
    # Each has judged the new dose against the person's doses and sits before writing it.
    pause_after(monkeypatch, historical, "check_series")

    def enter(days_ago: int, by):
        dose = historical.HistoricalDose(
            product=product, given_on=timezone.localdate() - timedelta(days=days_ago)
        )
        return historical.historical_dose_record(recipient=person, location=location, dose=dose, by=by)

    return person, [lambda: enter(60, vaccinators[0]), after(0.1, lambda: enter(20, vaccinators[1]))]


def test_two_doses_from_a_card_entered_at_once_are_doses_1_and_2(monkeypatch):
    person, works = _two_cards_for_one_person(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"AdministrationRecord": 2}, results
    # The second waited for the person's row, then the evaluator saw the first dose.
    assert sorted(
        AdministrationRecord.objects.filter(recipient=person).values_list("dose_number", flat=True)
    ) == [
        1,
        2,
    ]


def test_without_the_lock_two_doses_from_a_card_are_both_taken_for_dose_1(monkeypatch):
    """The control of the person's lock for historical doses: both find no earlier dose, both are
    numbered 1, and only the database's constraint stops the second."""
    person, works = _two_cards_for_one_person(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"AdministrationRecord": 1, "DuplicateDose": 1}, results
    assert AdministrationRecord.objects.filter(recipient=person).count() == 1
