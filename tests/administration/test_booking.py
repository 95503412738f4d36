"""Booking, rescheduling and cancelling (acceptance 3 and 4)."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from administration.enums import AppointmentStatus
from administration.models import Appointment, Slot
from administration.selectors import booking as selectors
from administration.selectors import clinics as clinic_selectors
from administration.services import booking as services
from administration.services import clinics, notifications, recording
from cvms.models import AuditEvent
from employers.enums import InviteeStatus
from employers.models import Invitee
from enrollment.models import PriorityGroup
from inventory.interface import lots_usable
from tests.administration.factories import clinic
from tests.employers.factories import InviteeFactory
from tests.factories import EmployerFactory, LocationFactory
from tests.inventory.factories import ProductFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def book(recipient, slot, dose=1):
    return services.appointment_book(
        recipient=recipient, slot_id=slot.pk, dose_number=dose, by=recipient.user
    )


def test_booking_takes_a_place_sends_a_confirmation_in_the_persons_language_and_tells_the_roster(
    open_group, django_capture_on_commit_callbacks
):
    person = RecipientFactory(group="2", language="es")
    invitee = InviteeFactory(recipient_id=person.pk, status=InviteeStatus.REGISTERED)
    slot = clinic().slots.first()

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(person, slot)

    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert len(appointment.confirmation_code) == 8
    assert mail.outbox[-1].to == [person.email]
    assert mail.outbox[-1].subject == "Su cita de vacunación está reservada"
    assert appointment.confirmation_code in mail.outbox[-1].body
    assert Invitee.objects.get(pk=invitee.pk).status == InviteeStatus.BOOKED


def test_the_confirmation_shows_the_time_in_the_states_time_zone(
    open_group, django_capture_on_commit_callbacks
):
    person = RecipientFactory(group="2")
    slot = clinic(opens_at=time(9, 0)).slots.first()

    with django_capture_on_commit_callbacks(execute=True):
        book(person, slot)

    assert "9 a.m." in mail.outbox[-1].body  # 09:00 New York time, stored in UTC as 14:00


def test_booking_refused_when_slot_full(open_group):
    slot = clinic(slot_capacity=1).slots.first()
    book(RecipientFactory(group="2"), slot)

    with pytest.raises(services.SlotFull, match="This time is full"):
        book(RecipientFactory(group="2"), slot)

    assert Appointment.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_booking_refused_when_the_persons_group_is_not_open():
    person = RecipientFactory(group="5")

    with pytest.raises(services.NotEligible, match="not eligible"):
        book(person, clinic().slots.first())

    assert not Appointment.objects.exists()


def test_an_ineligible_person_cannot_book_a_clinic_limited_to_others(open_group):
    employer = EmployerFactory()
    limited = clinic(is_public=False, organizations=[employer])
    outsider = RecipientFactory(group="2")

    with pytest.raises(services.NotEligible, match="only for invited people"):
        book(outsider, limited.slots.first())

    assert not Appointment.objects.exists()
    assert Slot.objects.get(pk=limited.slots.first().pk).booked == 0


def test_a_clinic_limited_to_an_organization_admits_its_invited_people_even_before_their_group_opens():
    employer = EmployerFactory()
    limited = clinic(is_public=False, organizations=[employer])
    invited = RecipientFactory(group="5")
    invited.invited_by.add(employer)

    assert book(invited, limited.slots.first()).status == AppointmentStatus.BOOKED


def test_a_clinic_limited_to_a_priority_group_admits_its_people_once_the_group_is_open(open_group):
    limited = clinic(is_public=False, priority_groups=[open_group])
    other_group = RecipientFactory(group="1")
    PriorityGroup.objects.filter(code="1").update(is_open=True)

    assert book(RecipientFactory(group="2"), limited.slots.first()).status == AppointmentStatus.BOOKED
    with pytest.raises(services.NotEligible):
        book(other_group, limited.slots.first())


def test_a_person_cannot_hold_two_appointments_for_the_same_dose(open_group):
    person = RecipientFactory(group="2")
    first, second = clinic().slots.all()[:2]
    book(person, first)

    with pytest.raises(services.AlreadyBooked, match="already have an appointment for dose 1"):
        book(person, second)

    assert Appointment.objects.filter(recipient=person).count() == 1
    assert Slot.objects.get(pk=second.pk).booked == 0


def test_second_dose_booked_too_early_is_refused(open_group):
    person = RecipientFactory(group="2")
    first_clinic = clinic(days_ahead=1)
    book(person, first_clinic.slots.first())
    too_early = clinic(location=first_clinic.location, product=first_clinic.product, days_ahead=10)

    with pytest.raises(services.TooEarly, match="can't be given before"):
        book(person, too_early.slots.first(), dose=2)

    assert not Appointment.objects.filter(dose_number=2).exists()
    assert Slot.objects.get(pk=too_early.slots.first().pk).booked == 0


def test_second_dose_is_offered_from_the_products_minimum_interval_and_books_then(open_group):
    person = RecipientFactory(group="2")
    first_clinic = clinic(days_ahead=1)
    book(person, first_clinic.slots.first())
    later = clinic(location=first_clinic.location, product=first_clinic.product, days_ahead=1 + 21)

    offer = selectors.next_dose(person)
    second = book(person, later.slots.first(), dose=2)

    assert (offer["dose_number"], offer["earliest"]) == (2, timezone.localdate() + timedelta(days=22))
    assert second.dose_number == 2


def test_second_dose_must_be_the_same_vaccine(open_group):
    person = RecipientFactory(group="2")
    first_clinic = clinic(days_ahead=1)
    book(person, first_clinic.slots.first())
    other_vaccine = clinic(days_ahead=30, product=ProductFactory(name="Novavax test", cvx="211"))

    with pytest.raises(services.BookingError, match="same vaccine"):
        book(person, other_vaccine.slots.first(), dose=2)


def test_places_never_outrun_the_doses_on_hand_or_expected(open_group):
    small = clinic(slot_capacity=5, doses=2)
    slot = small.slots.first()
    book(RecipientFactory(group="2"), slot)
    book(RecipientFactory(group="2"), slot)

    with pytest.raises(services.SlotFull, match="no doses left"):
        book(RecipientFactory(group="2"), slot)

    assert selectors.doses_available(location=small.location, product=small.product) == 0


def test_the_provider_is_warned_when_places_outrun_stock():
    small = clinic(slot_capacity=5, doses=3)  # two slots of five: ten places, three doses

    assert clinic_selectors.places_warning(clinic=small) == {"places": 10, "doses": 3}
    assert clinic_selectors.places_warning(clinic=clinic(slot_capacity=1, doses=100)) is None


def test_inventory_counts_the_appointments_booked_ahead(open_group):
    from inventory.selectors import booked_appointments_ahead

    the_clinic = clinic()
    book(RecipientFactory(group="2"), the_clinic.slots.first())

    assert booked_appointments_ahead(location=the_clinic.location, product=the_clinic.product) == 1


def test_rescheduling_moves_the_place_and_keeps_the_old_one_when_refused(open_group):
    person = RecipientFactory(group="2")
    first, second = clinic(slot_capacity=1).slots.all()[:2]
    appointment = book(person, first)

    moved = services.appointment_reschedule(appointment=appointment, slot_id=second.pk, by=person.user)

    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert (moved.slot_id, moved.status, moved.rescheduled_from_id) == (second.pk, "booked", appointment.pk)
    assert [Slot.objects.get(pk=s.pk).booked for s in (first, second)] == [0, 1]

    book(RecipientFactory(group="2"), first)  # someone takes the freed place
    with pytest.raises(services.SlotFull):
        services.appointment_reschedule(appointment=moved, slot_id=first.pk, by=person.user)
    assert Appointment.objects.get(pk=moved.pk).status == AppointmentStatus.BOOKED
    assert Slot.objects.get(pk=second.pk).booked == 1


def test_cancelling_gives_the_place_back_and_tells_the_person(open_group, django_capture_on_commit_callbacks):
    person = RecipientFactory(group="2")
    slot = clinic().slots.first()
    appointment = book(person, slot)

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=person.user)

    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert mail.outbox[-1].subject == "Your vaccination appointment is cancelled"
    assert book(person, slot).status == AppointmentStatus.BOOKED  # and may book again


def test_cancelling_a_clinic_cancels_every_booking_and_tells_each_person(
    open_group, django_capture_on_commit_callbacks
):
    the_clinic = clinic()
    people = [RecipientFactory(group="2") for _ in range(3)]
    for person in people:
        book(person, the_clinic.slots.first())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        told = clinics.clinic_cancel(clinic=the_clinic, by=the_clinic.created_by, reason="Storm")

    assert told == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert "Storm" in mail.outbox[0].body
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED).exists()
    with pytest.raises(services.BookingError, match="no longer taking bookings"):
        book(RecipientFactory(group="2"), the_clinic.slots.first())


def test_check_in_by_confirmation_code_and_no_show(open_group, time_machine):
    the_clinic = clinic()
    arrived = book(RecipientFactory(group="2"), the_clinic.slots.first())
    absent = book(RecipientFactory(group="2"), the_clinic.slots.first())

    services.appointment_check_in(
        clinic=the_clinic, code=arrived.confirmation_code.lower(), by=the_clinic.created_by
    )
    time_machine.move_to(absent.slot.starts_at + timedelta(minutes=15))  # a no-show once its time came
    services.appointment_no_show(appointment=absent, by=the_clinic.created_by)

    assert Appointment.objects.get(pk=arrived.pk).status == AppointmentStatus.ATTENDED
    assert Appointment.objects.get(pk=absent.pk).status == AppointmentStatus.NO_SHOW
    with pytest.raises(services.BookingError, match="No appointment at this clinic"):
        services.appointment_check_in(clinic=the_clinic, code="ZZZZZZZZ", by=the_clinic.created_by)


def test_reminders_go_the_day_before_once(open_group, django_capture_on_commit_callbacks):
    person = RecipientFactory(group="2", language="es")
    appointment = book(person, clinic(days_ahead=1).slots.first())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first_run = notifications.reminders_send()
        second_run = notifications.reminders_send()

    assert (first_run, second_run) == (1, 0)
    assert mail.outbox[0].subject == "Recordatorio: su cita de vacunación es mañana"
    assert Appointment.objects.get(pk=appointment.pk).reminder_sent_at is not None


def test_people_are_reminded_to_book_their_second_dose(open_group, django_capture_on_commit_callbacks):
    person = RecipientFactory(group="2")
    the_clinic = clinic(days_ahead=1)
    appointment = book(person, the_clinic.slots.first())
    # The dose given (an arrival alone is no dose: the forecaster counts doses on record).
    lot = lots_usable(location=the_clinic.location, product=the_clinic.product).first().lot
    recording.dose_record(
        recipient=person,
        location=the_clinic.location,
        details=recording.DoseDetails(
            product=the_clinic.product, lot=lot, dose_number=1, administered_at=timezone.now()
        ),
        appointment=appointment,
        by=the_clinic.created_by,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        too_soon = notifications.next_dose_reminders_send(today=timezone.localdate() + timedelta(days=10))
        due = notifications.next_dose_reminders_send(today=timezone.localdate() + timedelta(days=16))
        again = notifications.next_dose_reminders_send(today=timezone.localdate() + timedelta(days=17))

    assert (too_soon, due, again) == (0, 1, 0)
    assert mail.outbox[0].subject == "Time to book your second dose"


def test_clinic_slots_are_generated_from_the_hours_in_the_states_time_zone():
    the_clinic = clinic(opens_at=time(9, 0), closes_at=time(11, 0), slot_minutes=30, slot_capacity=4)

    starts = [timezone.localtime(s.starts_at).time() for s in the_clinic.slots.all()]

    assert starts == [time(9, 0), time(9, 30), time(10, 0), time(10, 30)]
    assert {s.capacity for s in the_clinic.slots.all()} == {4}
    assert AuditEvent.objects.filter(action="administration.clinic.created").count() == 1


def test_a_clinic_in_the_past_is_refused():
    location = LocationFactory()
    with pytest.raises(clinics.ClinicError, match="past"):
        clinics.clinic_create(
            location=location,
            product=clinic().product,
            day=timezone.localdate() - timedelta(days=1),
            opens_at=time(9),
            closes_at=time(10),
            slot_minutes=15,
            slot_capacity=1,
            by=None,
        )


def test_finding_clinics_by_zip_code_shows_free_places():
    wake = clinic(slot_capacity=3)  # Wake County (37183): ZIP 27601
    elsewhere = clinic(location=LocationFactory(county_id="37119"))  # Mecklenburg

    found = list(selectors.clinics_open_for_booking(zip_code="27601"))

    assert [c.pk for c in found] == [wake.pk]
    assert found[0].free == 6
    assert elsewhere.pk in [c.pk for c in selectors.clinics_open_for_booking(county_id="37119")]


def first_and_second_dose(person, *, first_days=1, second_days=1 + 21):
    """`person` booked for both doses of one vaccine (21 days apart at the least)."""
    first_clinic = clinic(days_ahead=first_days)
    second_clinic = clinic(
        location=first_clinic.location, product=first_clinic.product, days_ahead=second_days
    )
    return book(person, first_clinic.slots.first()), book(person, second_clinic.slots.first(), dose=2)


def test_moving_the_first_dose_too_close_to_the_booked_second_is_refused_and_changes_nothing(open_group):
    person = RecipientFactory(group="2")
    first, second = first_and_second_dose(person)
    later = clinic(location=first.slot.clinic.location, product=first.slot.clinic.product, days_ahead=5)

    with pytest.raises(services.TooEarly, match=r"dose 2 appointment on .* would then be too soon"):
        services.appointment_reschedule(appointment=first, slot_id=later.slots.first().pk, by=person.user)

    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.BOOKED
    assert Appointment.objects.get(pk=second.pk).status == AppointmentStatus.BOOKED
    assert Appointment.objects.filter(recipient=person).count() == 2
    assert [Slot.objects.get(pk=s.pk).booked for s in (first.slot, later.slots.first())] == [1, 0]


def test_moving_the_first_dose_to_another_vaccine_with_a_second_booked_is_refused(open_group):
    person = RecipientFactory(group="2")
    first, _second = first_and_second_dose(person)
    other_vaccine = clinic(days_ahead=2, product=ProductFactory(name="Novavax test", cvx="211"))

    with pytest.raises(services.BookingError, match="another vaccine"):
        services.appointment_reschedule(
            appointment=first, slot_id=other_vaccine.slots.first().pk, by=person.user
        )

    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.BOOKED


def test_moving_the_first_dose_still_far_enough_before_the_second_is_allowed(open_group):
    person = RecipientFactory(group="2")
    first, second = first_and_second_dose(person, first_days=3, second_days=3 + 21)
    earlier = clinic(location=first.slot.clinic.location, product=first.slot.clinic.product, days_ahead=1)

    moved = services.appointment_reschedule(
        appointment=first, slot_id=earlier.slots.first().pk, by=person.user
    )

    assert (moved.dose_number, moved.status) == (1, AppointmentStatus.BOOKED)
    assert Appointment.objects.get(pk=second.pk).status == AppointmentStatus.BOOKED


def test_cancelling_the_first_dose_while_the_second_is_booked_is_refused_until_the_second_goes(open_group):
    person = RecipientFactory(group="2")
    first, second = first_and_second_dose(person)

    with pytest.raises(services.BookingError, match="needs this first dose"):
        services.appointment_cancel(appointment=first, by=person.user)
    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.BOOKED
    assert Slot.objects.get(pk=first.slot_id).booked == 1

    services.appointment_cancel(appointment=second, by=person.user)
    services.appointment_cancel(appointment=first, by=person.user)
    assert set(Appointment.objects.filter(recipient=person).values_list("status", flat=True)) == {
        AppointmentStatus.CANCELLED
    }


def test_rebooking_a_first_dose_after_its_clinic_was_cancelled_keeps_clear_of_the_booked_second(open_group):
    person = RecipientFactory(group="2")
    first, second = first_and_second_dose(person)
    clinics.clinic_cancel(clinic=first.slot.clinic, by=first.slot.clinic.created_by, reason="Storm")
    product, location = first.slot.clinic.product, first.slot.clinic.location
    too_late = clinic(location=location, product=product, days_ahead=10)

    with pytest.raises(services.TooEarly, match="would then be too soon"):
        book(person, too_late.slots.first())
    assert Slot.objects.get(pk=too_late.slots.first().pk).booked == 0

    rebooked = book(person, clinic(location=location, product=product, days_ahead=1).slots.first())
    assert rebooked.status == AppointmentStatus.BOOKED
    assert Appointment.objects.get(pk=second.pk).status == AppointmentStatus.BOOKED


# --- No-shows (issue 13, finding 12) ------------------------------------------------------------


def test_no_show_is_refused_before_the_appointments_time(open_group, time_machine):
    appointment = book(RecipientFactory(group="2"), clinic().slots.first())
    time_machine.move_to(appointment.slot.starts_at - timedelta(minutes=1))

    with pytest.raises(services.BookingError, match="It is too early to mark a no-show"):
        services.appointment_no_show(appointment=appointment, by=appointment.slot.clinic.created_by)

    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    ("status", "shown"), [(AppointmentStatus.ATTENDED, "arrived"), (AppointmentStatus.CANCELLED, "cancelled")]
)
def test_no_show_never_overwrites_a_visit_that_happened_or_a_cancellation(
    open_group, time_machine, status, shown
):
    appointment = book(RecipientFactory(group="2"), clinic().slots.first())
    Appointment.objects.filter(pk=appointment.pk).update(status=status)  # as a recorded dose leaves it
    time_machine.move_to(appointment.slot.ends_at + timedelta(hours=1))

    with pytest.raises(services.BookingError) as refused:
        services.appointment_no_show(appointment=appointment, by=appointment.slot.clinic.created_by)

    assert str(refused.value) == f"Only a booked appointment can be marked as a no-show; this one is {shown}."
    assert Appointment.objects.get(pk=appointment.pk).status == status
    assert not AuditEvent.objects.filter(action="administration.appointment.no_show").exists()
