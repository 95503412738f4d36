"""Rules that change appointments: book, reschedule, cancel, check in, mark a no-show.

Booking is the scarce path. `appointment_book` takes a place with a conditional UPDATE of the
slot's counter (`booked = booked + 1 WHERE booked < capacity`) and checks the row count, so any
number of people booking at once can't overbook a slot; a CHECK constraint on the slot is the
last guard, and a partial unique constraint keeps one active appointment per person and dose.
"""

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from administration.enums import AppointmentStatus, ClinicStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors import booking as selectors
from administration.selectors.clinical import series_rules
from administration.services import notifications
from administration.services.roster import roster_follow, roster_people
from cvms.audit import audit, audit_many
from cvms.locking import hold_one, lock_one, lock_one_or_none
from cvms.models import User
from enrollment.models import Location
from recipients.interface import eligibility
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
    """Refuse a dose the forecaster doesn't offer the person at this clinic: not the dose due
    next, a vaccine that can't continue their series, a day before it is due, or a vaccine the
    person is too young or too old for on that day. (The appointments booked for later doses
    are checked afterwards, by `_check_later_doses`.)"""
    rule = selectors.rule_for(clinic.product)
    doses_of_product = rule.primary_doses + (1 if rule.booster_interval_days else 0) if rule else 1
    if dose_number > doses_of_product:
        raise BookingError(
            ngettext(
                "%(product)s is given in %(n)s dose; there is no dose %(dose)s.",
                "%(product)s is given in %(n)s doses; there is no dose %(dose)s.",
                doses_of_product,
            )
            % {"product": clinic.product.name, "n": doses_of_product, "dose": dose_number}
        )
    day = timezone.localtime(slot.starts_at).date()
    old_enough, too_old = selectors.age_limits(recipient, clinic.product)
    if old_enough is not None and day < old_enough:
        raise NotEligible(
            _(
                "You are too young for %(product)s until %(date)s. Choose a day from then on, or "
                "another vaccine."
            )
            % {"product": clinic.product.name, "date": formats.date_format(old_enough, "DATE_FORMAT")}
        )
    if too_old is not None and day >= too_old:
        raise NotEligible(
            _("%(product)s is not for people of your age. Choose a clinic with another vaccine.")
            % {"product": clinic.product.name}
        )
    due = selectors.next_dose(recipient, before_dose=dose_number)
    if due is None:
        raise BookingError(_("Your vaccination series is complete: there is no dose left to book."))
    if dose_number != due["dose_number"]:
        if due["dose_number"] == 1:
            raise BookingError(_("Book your first dose before your second."))
        raise BookingError(_("The dose you can book next is dose %(n)s.") % {"n": due["dose_number"]})
    if due["products"] and clinic.product_id not in due["products"]:
        raise BookingError(
            _(
                "Dose %(n)s must be the same vaccine as your first (%(product)s), or one that may "
                "complete its series. Choose a clinic that offers it."
            )
            % {"n": dose_number, "product": due["product"].name if due["product"] else ""}
        )
    if day < due["earliest"]:
        raise TooEarly(
            _("Dose %(n)s can't be given before %(date)s. Choose a day from then on.")
            % {"n": dose_number, "date": formats.date_format(due["earliest"], "DATE_FORMAT")}
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
    if product.pk not in _accepted_after(first["product"]):
        raise BookingError(
            _(
                "Your dose %(dose)s appointment on %(date)s is for another vaccine than this clinic "
                "offers. Cancel that appointment first, or choose a clinic with the same vaccine."
            )
            % params
        )
    rule = series_rules().get(first["product"])
    earliest = first["on"] + timedelta(days=rule.interval() if rule and later.dose_number == 2 else 0)
    if later_on < earliest:
        raise TooEarly(
            _(
                "Your dose %(dose)s appointment on %(date)s would then be too soon after the first: "
                "it can't be before %(earliest)s. Choose an earlier time, or move that appointment first."
            )
            % {**params, "earliest": formats.date_format(earliest, "DATE_FORMAT")}
        )


def _accepted_after(first_product_id: int) -> set[int]:
    """The products that may continue a series started with `first_product_id`."""
    rules = series_rules()
    first = rules.get(first_product_id)
    if first is None:
        return {first_product_id}
    return {
        pid
        for pid, rule in rules.items()
        if pid == first_product_id or rule.cvx == first.cvx or first_product_id in rule.completes
    }


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
    *,
    recipient: Recipient,
    slot_id: int,
    dose_number: int,
    by: User,
    request=None,
    check_admission: bool = True,
) -> Appointment:
    """Book a place in a slot for one dose. Refuses a full slot (`SlotFull`), a clinic the
    person may not book (`NotEligible`), a second dose too early (`TooEarly`) and a second
    active appointment for the same dose (`AlreadyBooked`); nothing changes when refused.
    `check_admission=False`: a vaccinator books the next dose of a series the person began
    (services.visits), so whether the clinic admits them isn't asked again."""
    # Re-read the person with their group: whether it is open is decided now, not when the
    # caller loaded them.
    recipient = Recipient.objects.select_related("priority_group").get(pk=recipient.pk)
    slot = _bookable_slot(slot_id)
    clinic = slot.clinic
    if check_admission and not selectors.clinic_admits(clinic=clinic, recipient=recipient):
        raise NotEligible(
            _("This clinic is only for invited people or priority groups that you are not part of.")
            if not clinic.is_public
            else eligibility(recipient)["message"]
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
    roster_follow(recipient, by=by)
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
