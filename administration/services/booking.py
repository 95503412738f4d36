"""Rules that change appointments: book, reschedule, cancel, check in, mark a no-show.

Booking is the scarce path, at the database's own pace. `appointment_book` checks the person
and the slot by plain reads (a full slot answers at once), then writes in one short transaction
and takes its two scarce things last, each by a conditional UPDATE whose row count says whether
it won: a place in the slot (`booked = booked + 1 WHERE booked < capacity`) and a dose of the
location's (services.reservations: `reserved + 1 WHERE reserved < the doses usable there`). No
lock on the location: bookings there wait on its counter's row only for that one statement and
the commit. CHECK constraints on the slot and the counter are the last guards, and a partial
unique constraint keeps one active appointment per person and dose. The e-mail and the roster's
status follow after commit (the outbox).

Everything that ends or moves a booked appointment gives its place and its dose back in the
same transaction, the slot's row before the counter's, as a booking takes them.
"""

# Names the views and the other services use, from where they are defined.
__all__ = [
    "AlreadyBooked",
    "BookingError",
    "NotEligible",
    "SlotFull",
    "TooEarly",
    "appointment_book",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_no_show",
    "appointment_reschedule",
    "no_shows_close",
]

import secrets
from collections import Counter
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors import booking as selectors
from administration.selectors.clinical import series_rules_kept
from administration.services import notifications, reservations
from administration.services.booking_checks import (
    AlreadyBooked,
    BookingError,
    NotEligible,
    SlotFull,
    TooEarly,
    check_dose,
    check_later_doses,
)
from administration.services.roster import roster_follow, roster_people
from cvms import outbox
from cvms.audit import audit, audit_many
from cvms.locking import hold_one, lock_one, lock_one_or_none
from cvms.models import User
from recipients.interface import eligibility
from recipients.models import Recipient

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a clinic's door
CODE_LENGTH = 8


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _open_slot(slot_id: int, *, clinic_id: int | None = None) -> Slot:
    """The slot with its clinic, by a plain read: a closed clinic, a time passed or a slot
    already full (`booked >= capacity`) is refused here, before any lock or write, so a sold-out
    slot answers at once however many are booking it."""
    slot = Slot.objects.select_related("clinic__location", "clinic__product").filter(pk=slot_id).first()
    if slot is not None and clinic_id is not None and slot.clinic_id != clinic_id:
        raise BookingError(_("Choose a time."))
    if slot is None or slot.clinic.status != ClinicStatus.SCHEDULED:
        raise BookingError(_("This clinic is no longer taking bookings."))
    if slot.starts_at <= timezone.now():
        raise BookingError(_("This time has passed. Choose another time."))
    if slot.booked >= slot.capacity:
        raise SlotFull(_("This time is full. Choose another time."))
    return slot


def _clinic_held_open(clinic_id: int) -> None:
    """A booking's or a move's first lock: the clinic's row held (shared, so bookings don't queue for
    each other) if it is still scheduled. A clinic being cancelled at this moment finishes first
    and is then seen cancelled; a cancellation waits for the bookings in flight, then cancels
    their appointments with the others."""
    if not hold_one(Clinic, clinic_id, status=ClinicStatus.SCHEDULED):
        raise BookingError(_("This clinic is no longer taking bookings."))


def _appointment_insert(
    *, slot: Slot, recipient: Recipient, dose_number: int, replacing: Appointment | None
) -> Appointment:
    """The appointment's row; a second active one for the dose is refused by the partial unique
    constraint (`AlreadyBooked`). No savepoint of its own: the refusal leaves the caller's atomic
    block (the booking's or the move's), which rolls back whole, a caller's around it unharmed."""
    try:
        with transaction.atomic(savepoint=False):
            return Appointment.objects.create(
                recipient=recipient,
                slot=slot,
                dose_number=dose_number,
                confirmation_code=_new_code(),
                rescheduled_from=replacing,
            )
    except IntegrityError:
        raise AlreadyBooked(
            _("You already have an appointment for dose %(dose)s. Reschedule or cancel it instead.")
            % {"dose": dose_number}
        ) from None


def _slot_take(slot: Slot) -> None:
    if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise SlotFull(_("This time is full. Choose another time."))


def _dose_take(clinic: Clinic) -> None:
    if not reservations.dose_take(location_id=clinic.location_id, product_id=clinic.product_id):
        raise SlotFull(_("This clinic has no doses left to offer. Choose another clinic or day."))


def _take_place(*, slot: Slot) -> None:
    """The two scarce things, by conditional UPDATEs, last in the booking's transaction so their
    rows stay locked only until the commit that follows: the slot's place, then a dose of the
    location's (its counter is shared by every slot there: the hotter row, taken last)."""
    _slot_take(slot)
    _dose_take(slot.clinic)


def _move_place(*, old: Appointment, slot: Slot) -> None:
    """A move: the old place and dose given back, the new ones taken; the slots in id order, then
    the counters in (location, product) order, as every change of several takes them, so two
    moves crossing each other wait instead of deadlocking. Within one location and product
    the person keeps their dose."""
    for slot_id in sorted((old.slot_id, slot.pk)):
        if slot_id == old.slot_id:
            Slot.objects.filter(pk=old.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        else:
            _slot_take(slot)
    was, now = old.slot.clinic, slot.clinic
    pairs = {(was.location_id, was.product_id): "give", (now.location_id, now.product_id): "take"}
    if len(pairs) == 1:
        return
    for pair, change in sorted(pairs.items()):
        if change == "give":
            reservations.doses_give_back(Counter({pair: 1}))
        else:
            _dose_take(now)


@series_rules_kept()
def appointment_book(
    *,
    recipient: Recipient,
    slot_id: int,
    dose_number: int | None,
    by: User,
    request=None,
    check_admission: bool = True,
    clinic_id: int | None = None,
    recipient_read_now: bool = False,
) -> Appointment:
    """Book a place in a slot for one dose. Refuses a full slot or a location without doses left
    (`SlotFull`), a clinic the person may not book (`NotEligible`), a second dose too early
    (`TooEarly`) and a second active appointment for the same dose (`AlreadyBooked`); nothing
    changes when refused. `check_admission=False`: a vaccinator books the next dose of a series
    the person began (services.visits), so whether the clinic admits them isn't asked again.
    `dose_number` None: the dose due next, as the forecaster says. `clinic_id`: the slot must be
    one of this clinic's (the page the person booked from). `recipient_read_now`: the caller read
    `recipient` with its priority group in this request (the portal's gate), so it isn't read
    again.

    The person and the slot are checked by plain reads first; then one short transaction: the
    clinic held open, the appointment, its audit row (one INSERT, kept with the booking so the
    trail can't miss one) and the promise of its follow-up (the outbox), and last the two
    counters. The confirmation e-mail and the person's roster status follow after commit
    (`appointment_booked_follow_up`, a task)."""
    # The person with their group as they are now: whether it is open is decided now, not when
    # a caller loaded them some time ago.
    if not recipient_read_now:
        recipient = Recipient.objects.select_related("priority_group").get(pk=recipient.pk)
    slot = _open_slot(slot_id, clinic_id=clinic_id)
    clinic = slot.clinic
    if check_admission and not selectors.clinic_admits(clinic=clinic, recipient=recipient):
        raise NotEligible(
            _("This clinic is only for invited people or priority groups that you are not part of.")
            if not clinic.is_public
            else eligibility(recipient)["message"]
        )
    dose_number = check_dose(recipient=recipient, clinic=clinic, slot=slot, dose_number=dose_number)
    with transaction.atomic():
        _clinic_held_open(clinic.pk)
        appointment = _appointment_insert(
            slot=slot,
            recipient=recipient,
            dose_number=dose_number,
            replacing=None,
        )
        if dose_number == 1:  # a second dose may still be booked when a cancelled clinic took the first
            check_later_doses(recipient)
        audit(
            action="administration.appointment.booked",
            by=by,
            target=appointment,
            request=request,
            data={"recipient": recipient.pk, "slot": slot.pk, "dose": dose_number},
        )
        _follow_up_after_commit(appointment, by=by)
        _take_place(slot=slot)
    return appointment


def _follow_up_after_commit(appointment: Appointment, *, by: User | None) -> None:
    from administration.tasks import appointment_booked_follow_up as task

    outbox.enqueue(task, appointment_id=appointment.pk, by_id=by.pk if by else None)


def appointment_booked_follow_up(*, appointment_id: int, by_id: int | None) -> bool:
    """After a booking committed (its outbox task): the person's status on the rosters they are
    on, and the confirmation e-mail, sent once (claimed with `confirmation_sent_at`, so a task
    delivered twice sends one). False when it was done already."""
    with transaction.atomic():
        claimed = Appointment.objects.filter(pk=appointment_id, confirmation_sent_at__isnull=True).update(
            confirmation_sent_at=timezone.now()
        )
        if not claimed:
            return False
        appointment = Appointment.objects.select_related(
            "recipient", "slot__clinic__location__county", "slot__clinic__product"
        ).get(pk=appointment_id)
        roster_follow(appointment.recipient, by=User.objects.filter(pk=by_id).first() if by_id else None)
        if appointment.status == AppointmentStatus.BOOKED:  # not cancelled in the meantime
            notifications.appointment_email(appointment, "appointment_booked")
    return True


@series_rules_kept()
@transaction.atomic
def appointment_reschedule(*, appointment: Appointment, slot_id: int, by: User, request=None) -> Appointment:
    """Move an appointment to another slot: the old place is given back and the new one taken
    in one transaction, so a refusal (full, too early, or a first dose moved past what a booked
    second dose needs) leaves the old appointment as it was."""
    # The new clinic's row before the appointment's, in the order a clinic's cancellation takes
    # them (clinic, then its appointments): a move within a clinic being cancelled can't deadlock.
    slot = _open_slot(slot_id)
    _clinic_held_open(slot.clinic_id)
    old = lock_one(
        Appointment.objects.select_related("slot__clinic", "recipient__priority_group"), pk=appointment.pk
    )
    if old.status != AppointmentStatus.BOOKED:
        raise BookingError(_("Only a booked appointment can be rescheduled."))
    if slot.pk == old.slot_id:
        raise BookingError(_("That is already the time of your appointment."))
    if not selectors.clinic_admits(clinic=slot.clinic, recipient=old.recipient):
        raise NotEligible(
            _("This clinic is only for invited people or priority groups that you are not part of.")
        )
    _release(old, AppointmentStatus.CANCELLED)
    check_dose(recipient=old.recipient, clinic=slot.clinic, slot=slot, dose_number=old.dose_number)
    new = _appointment_insert(slot=slot, recipient=old.recipient, dose_number=old.dose_number, replacing=old)
    if old.dose_number == 1:
        check_later_doses(old.recipient)
    audit(
        action="administration.appointment.rescheduled",
        by=by,
        target=new,
        request=request,
        data={"from_appointment": old.pk, "from_slot": old.slot_id, "to_slot": slot.pk},
    )
    notifications.appointment_email(new, "appointment_rescheduled")
    _move_place(old=old, slot=slot)
    return new


def _release(appointment: Appointment, status: str) -> None:
    """A booked appointment ends (the caller holds its row lock); its place and dose are given
    back by the caller (`_give_back`, or `_move_place` for a move)."""
    Appointment.objects.filter(pk=appointment.pk).update(status=status, changed_at=timezone.now())
    appointment.status = status


def _give_back(appointment: Appointment) -> None:
    """The place and the dose of an appointment no longer booked: the slot, then the counter."""
    Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    reservations.appointment_gives_back(appointment)


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User, request=None) -> Appointment:
    # The appointment's row alone: a dose being recorded holds the person's row, then asks for
    # this one; locking the person here too could deadlock with it.
    appointment = lock_one(Appointment.objects.select_related("recipient", "slot__clinic"), pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(_("This appointment is not booked any more."))
    _release(appointment, AppointmentStatus.CANCELLED)
    _give_back(appointment)
    if appointment.dose_number == 1:
        check_later_doses(appointment.recipient)
    audit(action="administration.appointment.cancelled", by=by, target=appointment, request=request)
    roster_follow(appointment.recipient, by=by)
    notifications.appointment_email(appointment, "appointment_cancelled")
    return appointment


@transaction.atomic
def appointment_no_show(*, appointment: Appointment, by: User, request=None) -> Appointment:
    """The clinic marks that the person didn't come: only a booked appointment whose time has
    come (its slot has started; the person may be late, so the staff choose when), never one
    the person came to (arrived, vaccinated or refused) nor a
    cancelled one. Under the appointment's row lock, which a dose being recorded holds: a
    conditional UPDATE alone wouldn't do, as its join to the slot makes PostgreSQL re-check
    only the row's id after waiting, not its status. Their place isn't given back: the slot has
    passed."""
    now = timezone.now()
    current = lock_one(Appointment.objects.select_related("slot__clinic"), pk=appointment.pk)
    if current.status != AppointmentStatus.BOOKED:
        raise BookingError(
            _("Only a booked appointment can be marked as a no-show; this one is %(status)s.")
            % {"status": current.get_status_display().lower()}
        )
    if current.slot.starts_at > now:
        raise BookingError(
            # The time isn't last: "9 a.m." then a period would read "9 a.m..".
            _("It is too early to mark a no-show: the appointment at %(time)s hasn't started yet.")
            % {"time": formats.date_format(timezone.localtime(current.slot.starts_at), "DATETIME_FORMAT")}
        )
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.NO_SHOW, changed_at=now)
    reservations.appointment_gives_back(current)  # the dose, not the place: the slot has passed
    appointment.status = AppointmentStatus.NO_SHOW
    audit(action="administration.appointment.no_show", by=by, target=appointment, request=request)
    roster_follow(appointment.recipient, by=by)
    return appointment


# The sweep closes this many at a time (it runs every minute, so a large day takes a few runs).
NO_SHOW_BATCH = 2000


@transaction.atomic
def no_shows_close(*, now: datetime) -> int:
    """The end of the clinic day (the sweep, every minute): an appointment still booked once its
    clinic has closed is a no-show. An arrived person is left as arrived: their dose may still be
    recorded after closing (a paper form first).

    No lock: the UPDATE is conditional on the status, so a dose or a refusal recorded at the same
    moment wins (PostgreSQL re-checks the condition on a row once the recording's lock is gone);
    the rows this sweep changed are those now marked with its own time."""
    local = timezone.localtime(now)
    ended = Q(slot__clinic__date__lt=local.date()) | Q(
        slot__clinic__date=local.date(), slot__clinic__closes_at__lte=local.time()
    )
    candidates = list(
        Appointment.objects.filter(ended, status=AppointmentStatus.BOOKED)
        .order_by("pk")
        .values_list("pk", flat=True)[:NO_SHOW_BATCH]
    )
    if not candidates:
        return 0
    Appointment.objects.filter(pk__in=candidates, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.NO_SHOW, changed_at=now
    )
    closed = list(
        Appointment.objects.filter(pk__in=candidates, status=AppointmentStatus.NO_SHOW, changed_at=now)
        .order_by("pk")
        .values_list("pk", "recipient_id")
    )
    reservations.appointments_give_back([pk for pk, _recipient in closed])
    audit_many(
        action="administration.appointment.no_show",
        by=None,
        events=[(Appointment(pk=pk), {"by": "end of clinic day"}) for pk, _recipient in closed],
    )
    for recipient in Recipient.objects.filter(pk__in=roster_people({recipient for _pk, recipient in closed})):
        roster_follow(recipient, by=None)
    return len(closed)


@transaction.atomic
def appointment_check_in(*, clinic: Clinic, code: str, by: User, request=None) -> Appointment:
    """The clinic checks a confirmation code at arrival and marks the person arrived."""
    code = code.strip().upper().replace(" ", "").replace("-", "")
    # The appointment's row alone (as appointment_cancel).
    appointment = lock_one_or_none(
        Appointment.objects.filter(slot__clinic=clinic).select_related("recipient", "slot__clinic"),
        confirmation_code=code,
    )
    if appointment is None:
        raise BookingError(_("No appointment at this clinic has the code %(code)s.") % {"code": code})
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(
            _("The appointment %(code)s is %(status)s.")
            % {"code": code, "status": appointment.get_status_display()}
        )
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.ATTENDED, changed_at=timezone.now()
    )
    # Checked in, the person is no longer counted among the booked: their dose is given back
    # (as `doses_available` always counted), their place in the slot kept.
    reservations.appointment_gives_back(appointment)
    appointment.status = AppointmentStatus.ATTENDED
    audit(action="administration.appointment.checked_in", by=by, target=appointment, request=request)
    return appointment
