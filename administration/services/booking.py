"""Rules that change appointments: book, reschedule, cancel, check in, mark a no-show.

Booking is the scarce path. `appointment_book` takes a place with a conditional UPDATE of the
slot's counter (`booked = booked + 1 WHERE booked < capacity`) and checks the row count, so any
number of people booking at once can't overbook a slot; a CHECK constraint on the slot is the
last guard, and a partial unique constraint keeps one active appointment per person and dose.
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors import booking as selectors
from administration.services import notifications
from cvms.audit import audit
from cvms.locking import hold_one, lock_one, lock_one_or_none
from cvms.models import User
from employers.enums import InviteeStatus
from employers.interface import invitee_ids_for_recipient, invitee_status_set
from enrollment.models import Location
from recipients.models import Recipient

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a clinic's door
CODE_LENGTH = 8


class BookingError(Exception):
    """A refused booking or change; the message is for the person who asked."""


class SlotFull(BookingError):
    pass


class NotEligible(BookingError):
    pass


class TooEarly(BookingError):
    pass


class AlreadyBooked(BookingError):
    pass


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _check_dose(*, recipient: Recipient, clinic: Clinic, slot: Slot, dose_number: int) -> None:
    """Refuse a dose the person can't book at this clinic (wrong product or too early)."""
    if dose_number > clinic.product.series_doses:
        raise BookingError(
            ngettext(
                "%(product)s is given in %(n)s dose; there is no dose %(dose)s.",
                "%(product)s is given in %(n)s doses; there is no dose %(dose)s.",
                clinic.product.series_doses,
            )
            % {"product": clinic.product.name, "n": clinic.product.series_doses, "dose": dose_number}
        )
    if dose_number == 1:
        return
    first = selectors.first_dose(recipient)
    if first is None:
        raise BookingError(_("Book your first dose before your second."))
    if first["product"] != clinic.product_id:
        raise BookingError(
            _("Your second dose must be the same vaccine as your first. Choose a clinic that offers it.")
        )
    earliest = first["on"] + timedelta(days=clinic.product.min_interval_days or 0)
    if timezone.localtime(slot.starts_at).date() < earliest:
        raise TooEarly(
            _("Your second dose can't be given before %(date)s. Choose a day from then on.")
            % {"date": formats.date_format(earliest, "DATE_FORMAT")}
        )


def _check_later_doses(recipient: Recipient) -> None:
    """After a first-dose appointment was booked, moved or cancelled: refuse when a booked later dose
    would be left without a first dose, of another vaccine, or too soon after it. The caller's
    transaction then rolls back, so nothing changes."""
    later = (
        Appointment.objects.filter(recipient=recipient, dose_number__gt=1, status=AppointmentStatus.BOOKED)
        .select_related("slot__clinic__product")
        .order_by("slot__starts_at")
        .first()
    )
    if later is None:
        return
    later_on = timezone.localtime(later.slot.starts_at).date()
    product = later.slot.clinic.product
    params = {"dose": later.dose_number, "date": formats.date_format(later_on, "DATE_FORMAT")}
    first = selectors.first_dose(recipient)
    if first is None:
        raise BookingError(
            _(
                "Your dose %(dose)s appointment on %(date)s needs this first dose before it. "
                "Cancel that appointment first."
            )
            % params
        )
    if first["product"] != product.pk:
        raise BookingError(
            _(
                "Your dose %(dose)s appointment on %(date)s is for another vaccine than this clinic "
                "offers. Cancel that appointment first, or choose a clinic with the same vaccine."
            )
            % params
        )
    earliest = first["on"] + timedelta(days=product.min_interval_days or 0)
    if later_on < earliest:
        raise TooEarly(
            _(
                "Your dose %(dose)s appointment on %(date)s would then be too soon after the first: "
                "it can't be before %(earliest)s. Choose an earlier time, or move that appointment first."
            )
            % {**params, "earliest": formats.date_format(earliest, "DATE_FORMAT")}
        )


def _take_place(
    *, slot: Slot, recipient: Recipient, dose_number: int, replacing: Appointment | None
) -> Appointment:
    """The booking itself, inside the caller's transaction."""
    clinic = slot.clinic
    # The stock cap spans every clinic of the location with this product, so bookings there take
    # turns on the location's row; the slot's own places are taken by the conditional UPDATE.
    lock_one(Location.objects, pk=clinic.location_id)
    if selectors.doses_available(location=clinic.location, product=clinic.product) < 1:
        raise SlotFull(_("This clinic has no doses left to offer. Choose another clinic or day."))
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise SlotFull(_("This time is full. Choose another time."))
    try:
        with transaction.atomic():
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


def _bookable_slot(slot_id: int) -> Slot:
    """The slot, its clinic's row held for the booking's transaction (first, before any other
    row; shared, so bookings don't queue for each other): a clinic being cancelled at this
    moment finishes first and is then seen cancelled, and a cancellation waits for the bookings
    in flight, then cancels their appointments with the others."""
    clinic_id = Slot.objects.filter(pk=slot_id).values_list("clinic_id", flat=True).first()
    if clinic_id is not None:
        hold_one(Clinic, clinic_id)
    slot = Slot.objects.select_related("clinic__location", "clinic__product").filter(pk=slot_id).first()
    if slot is None or slot.clinic.status != ClinicStatus.SCHEDULED:
        raise BookingError(_("This clinic is no longer taking bookings."))
    if slot.starts_at <= timezone.now():
        raise BookingError(_("This time has passed. Choose another time."))
    return slot


@transaction.atomic
def appointment_book(
    *, recipient: Recipient, slot_id: int, dose_number: int, by: User, request=None
) -> Appointment:
    """Book a place in a slot for one dose. Refuses a full slot (`SlotFull`), a clinic the
    person may not book (`NotEligible`), a second dose too early (`TooEarly`) and a second
    active appointment for the same dose (`AlreadyBooked`); nothing changes when refused."""
    # Re-read the person with their group: whether it is open is decided now, not when the
    # caller loaded them.
    recipient = Recipient.objects.select_related("priority_group").get(pk=recipient.pk)
    slot = _bookable_slot(slot_id)
    clinic = slot.clinic
    if not selectors.clinic_admits(clinic=clinic, recipient=recipient):
        raise NotEligible(
            _("This clinic is only for invited people or priority groups that you are not part of.")
            if not clinic.is_public
            else _("You are not eligible to book yet: your priority group is not open.")
        )
    if Appointment.objects.filter(
        recipient=recipient, dose_number=dose_number, status=AppointmentStatus.BOOKED
    ).exists():
        raise AlreadyBooked(
            _("You already have an appointment for dose %(dose)s. Reschedule or cancel it instead.")
            % {"dose": dose_number}
        )
    _check_dose(recipient=recipient, clinic=clinic, slot=slot, dose_number=dose_number)
    appointment = _take_place(slot=slot, recipient=recipient, dose_number=dose_number, replacing=None)
    if dose_number == 1:  # a second dose may still be booked when a cancelled clinic took the first
        _check_later_doses(recipient)
    audit(
        action="administration.appointment.booked",
        by=by,
        target=appointment,
        request=request,
        data={"recipient": recipient.pk, "slot": slot.pk, "dose": dose_number},
    )
    _roster_status(recipient, InviteeStatus.BOOKED, by=by, when=dose_number == 1)
    notifications.appointment_email(appointment, "appointment_booked")
    return appointment


@transaction.atomic
def appointment_reschedule(*, appointment: Appointment, slot_id: int, by: User, request=None) -> Appointment:
    """Move an appointment to another slot: the old place is given back and the new one taken
    in one transaction, so a refusal (full, too early, or a first dose moved past what a booked
    second dose needs) leaves the old appointment as it was."""
    # The new clinic's row before the appointment's, in the order a clinic's cancellation takes
    # them (clinic, then its appointments): a move within a clinic being cancelled can't deadlock.
    slot = _bookable_slot(slot_id)
    old = lock_one(Appointment.objects.select_related("slot", "recipient__priority_group"), pk=appointment.pk)
    if old.status != AppointmentStatus.BOOKED:
        raise BookingError(_("Only a booked appointment can be rescheduled."))
    if slot.pk == old.slot_id:
        raise BookingError(_("That is already the time of your appointment."))
    if not selectors.clinic_admits(clinic=slot.clinic, recipient=old.recipient):
        raise NotEligible(
            _("This clinic is only for invited people or priority groups that you are not part of.")
        )
    _release(old, AppointmentStatus.CANCELLED)
    _check_dose(recipient=old.recipient, clinic=slot.clinic, slot=slot, dose_number=old.dose_number)
    new = _take_place(slot=slot, recipient=old.recipient, dose_number=old.dose_number, replacing=old)
    if old.dose_number == 1:
        _check_later_doses(old.recipient)
    audit(
        action="administration.appointment.rescheduled",
        by=by,
        target=new,
        request=request,
        data={"from_appointment": old.pk, "from_slot": old.slot_id, "to_slot": slot.pk},
    )
    notifications.appointment_email(new, "appointment_rescheduled")
    return new


def _release(appointment: Appointment, status: str) -> None:
    """End an active appointment and give its place back (the caller holds the row lock)."""
    Appointment.objects.filter(pk=appointment.pk).update(status=status, changed_at=timezone.now())
    Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    appointment.status = status


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User, request=None) -> Appointment:
    # The appointment's row alone: a dose being recorded holds the person's row, then asks for
    # this one; locking the person here too could deadlock with it.
    appointment = lock_one(Appointment.objects.select_related("recipient"), pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(_("This appointment is not booked any more."))
    _release(appointment, AppointmentStatus.CANCELLED)
    if appointment.dose_number == 1:
        _check_later_doses(appointment.recipient)
    audit(action="administration.appointment.cancelled", by=by, target=appointment, request=request)
    if not Appointment.objects.filter(
        recipient=appointment.recipient, status=AppointmentStatus.BOOKED
    ).exists():
        _roster_status(
            appointment.recipient, InviteeStatus.REGISTERED, by=by, when=appointment.dose_number == 1
        )
    notifications.appointment_email(appointment, "appointment_cancelled")
    return appointment


@transaction.atomic
def appointment_no_show(*, appointment: Appointment, by: User, request=None) -> Appointment:
    """The clinic marks that the person didn't come: only a booked appointment whose time has
    come (its slot has started; the person may be late, so the staff choose when), never one
    the person came to (arrived, or a dose or refusal recorded: both mark it arrived) nor a
    cancelled one. Under the appointment's row lock, which a dose being recorded holds: a
    conditional UPDATE alone wouldn't do, as its join to the slot makes PostgreSQL re-check
    only the row's id after waiting, not its status. Their place isn't given back: the slot has
    passed."""
    now = timezone.now()
    current = lock_one(Appointment.objects.select_related("slot"), pk=appointment.pk)
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
    appointment.status = AppointmentStatus.NO_SHOW
    audit(action="administration.appointment.no_show", by=by, target=appointment, request=request)
    return appointment


@transaction.atomic
def appointment_check_in(*, clinic: Clinic, code: str, by: User, request=None) -> Appointment:
    """The clinic checks a confirmation code at arrival and marks the person arrived."""
    code = code.strip().upper().replace(" ", "").replace("-", "")
    # The appointment's row alone (as appointment_cancel).
    appointment = lock_one_or_none(
        Appointment.objects.filter(slot__clinic=clinic).select_related("recipient", "slot"),
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
    appointment.status = AppointmentStatus.ATTENDED
    audit(action="administration.appointment.checked_in", by=by, target=appointment, request=request)
    return appointment


def _roster_status(
    recipient: Recipient, status: InviteeStatus, *, by: User | None, when: bool = True
) -> None:
    """Tell the employers app (its rosters) how this person is getting on."""
    if not when:
        return
    invitee_ids = invitee_ids_for_recipient(recipient.pk)
    if invitee_ids:
        invitee_status_set(invitee_ids=invitee_ids, status=status, by=by)
