"""The checks of the person before a booking or a move: the dose the forecaster offers them at
this clinic (`check_dose`), and, once a first dose moved or ended, whether the later doses they
booked still stand (`check_later_doses`); and the errors a refused booking raises."""

from datetime import timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from administration.enums import AppointmentStatus
from administration.models import Appointment, Clinic, Slot
from administration.selectors import booking as selectors
from administration.selectors.clinical import series_rules
from recipients.models import Recipient


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


def check_dose(*, recipient: Recipient, clinic: Clinic, slot: Slot, dose_number: int | None) -> int:
    """Refuse a dose the forecaster doesn't offer the person at this clinic: not the dose due
    next, a vaccine that can't continue their series, a day before it is due, or a vaccine the
    person is too young or too old for on that day. (The appointments booked for later doses
    are checked afterwards, by `check_later_doses`.) `dose_number` None: the dose due next
    (the forecaster asked once). Returns the dose number."""
    due = None
    if dose_number is None:
        due = selectors.next_dose(recipient)
        if due is None:
            raise BookingError(_("Your vaccination series is complete: there is no dose left to book."))
        dose_number = due["dose_number"]
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
    if due is None:
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
    return dose_number


def check_later_doses(recipient: Recipient) -> None:
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
    if product.pk not in accepted_after(first["product"]):
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


def accepted_after(first_product_id: int) -> set[int]:
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
