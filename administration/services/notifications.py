"""The appointment e-mails: what happened to a person's appointment (booked, moved, cancelled, its
clinic cancelled), in their language, and the reminders (the day before; the second dose).

A reminder is claimed with a conditional UPDATE of its `*_sent_at` column before it is sent, so a
re-run or a second worker never reminds twice.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from administration.models import Appointment
from administration.selectors import booking as selectors
from cvms.emails import send_templated_email
from cvms.sites import absolute_url


def _when(appointment: Appointment) -> str:
    return formats.date_format(timezone.localtime(appointment.slot.starts_at), "DATETIME_FORMAT")


def appointment_email(appointment: Appointment, kind: str, **extra) -> None:
    """Tell the person, in their language, what happened to their appointment (a walk-in
    registered without an e-mail address was told at the clinic)."""
    recipient = appointment.recipient
    if not recipient.email:
        return
    clinic = extra.get("clinic") or appointment.slot.clinic
    with translation.override(recipient.language):
        when = _when(appointment)
        place = f"{clinic.location.name}, {clinic.location.county.display_name}"
        subjects = {
            "appointment_booked": _("Your vaccination appointment is booked"),
            "appointment_rescheduled": _("Your vaccination appointment has changed"),
            "appointment_cancelled": _("Your vaccination appointment is cancelled"),
            "clinic_cancelled": _("Your vaccination clinic is cancelled"),
            "appointment_reminder": _("Reminder: your vaccination appointment is tomorrow"),
            "next_dose_reminder": _("Time to book your second dose"),
        }
        details = _("Dose %(dose)s of %(product)s on %(when)s at %(place)s.") % {
            "dose": appointment.dose_number,
            "product": clinic.product.name,
            "when": when,
            "place": place,
        }
        code = _("Your confirmation code is %(code)s: show it when you arrive.") % {
            "code": appointment.confirmation_code
        }
        paragraphs = {
            "appointment_booked": [details, code],
            "appointment_rescheduled": [details, code],
            "appointment_cancelled": [_("This appointment is cancelled:"), details],
            "clinic_cancelled": [
                _("The clinic has been cancelled, and your appointment with it:"),
                details,
                extra.get("reason") or "",
                _("Please book another appointment."),
            ],
            "appointment_reminder": [details, code],
            "next_dose_reminder": [
                _("You can book your second dose of %(product)s from %(date)s.")
                % {"product": clinic.product.name, "date": extra.get("earliest", "")}
            ],
        }[kind]
        action_label = _("See my appointments") if kind != "next_dose_reminder" else _("Book my second dose")
    send_templated_email(
        to=recipient.email,
        template="notice",
        language=recipient.language,
        context={
            "subject": subjects[kind],
            "name": recipient.first_name,
            "paragraphs": [p for p in paragraphs if p],
            "action_url": absolute_url(reverse("me:administration.appointments")),
            "action_label": action_label,
        },
    )


def reminders_send(*, now: datetime | None = None) -> int:
    """E-mail everyone with an appointment tomorrow (state time) who wasn't reminded yet. Each
    appointment is claimed with a conditional UPDATE, so a re-run or a second worker never
    reminds twice. Returns how many were sent."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    sent = 0
    for appointment in selectors.appointments_due_reminder(day=tomorrow).iterator():
        with transaction.atomic():
            claimed = Appointment.objects.filter(pk=appointment.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                appointment_email(appointment, "appointment_reminder")
                sent += 1
    return sent


def next_dose_reminders_send(*, today: date | None = None) -> int:
    """E-mail people whose second dose may be booked within a week and who haven't booked it."""
    today = today or timezone.localdate()
    sent = 0
    for appointment in selectors.first_doses_due_next_dose_reminder(today=today):
        earliest = appointment.next_due  # the forecaster's earliest day for dose 2
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, next_dose_reminder_sent_at__isnull=True
            ).update(next_dose_reminder_sent_at=timezone.now())
            if claimed:
                with translation.override(appointment.recipient.language):
                    shown = formats.date_format(earliest, "DATE_FORMAT")
                appointment_email(appointment, "next_dose_reminder", earliest=shown)
                sent += 1
    return sent
