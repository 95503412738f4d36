"""Two recipient records turn out to be one person: administration moves what it keeps for the
duplicate (dose records, appointments, printed form numbers) to the surviving record.

Recipients merges the two (recipients' `recipient_merge`, with both rows locked) and asks the
apps above it to move their own rows first (the `recipients_merged` hook point, cvms/hooks.py).
Administration moves its rows here rather than letting recipients re-point its foreign keys,
because a moved dose record has changed for the registry: its `version` goes up, so the HL7
export "since last" sends it again under the surviving person.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus, RecordStatus
from administration.models import AdministrationRecord, Appointment, OfflineForm
from cvms.audit import audit
from cvms.models import User
from recipients.models import Recipient


class ReassignRefused(Exception):
    """The two people's records can't be put together as they are; the message says what to do."""


@dataclass(frozen=True)
class Reassigned:
    records: list[int]
    appointments: list[int]
    offline_forms: list[int]


def _same_active_dose(*, from_recipient: Recipient, to_recipient: Recipient) -> bool:
    active = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    return active.filter(
        recipient=to_recipient,
        dose_number__in=active.filter(recipient=from_recipient).values("dose_number"),
    ).exists()


def _same_dose_given(*, from_recipient: Recipient, to_recipient: Recipient) -> int | None:
    standing = AdministrationRecord.objects.filter(refused=False).exclude(status=RecordStatus.VOIDED)
    clash = standing.filter(
        recipient=to_recipient,
        dose_number__in=standing.filter(recipient=from_recipient).values("dose_number"),
    ).first()
    return clash.dose_number if clash else None


def _appointment_clash() -> ReassignRefused:
    return ReassignRefused(
        _("Both records hold an active appointment for the same dose. Cancel one of them, then merge.")
    )


@transaction.atomic
def records_reassign(
    *, from_recipient: Recipient, to_recipient: Recipient, by: User, request=None
) -> Reassigned:
    """Move `from_recipient`'s dose records, appointments and printed form numbers to
    `to_recipient`. The caller holds both people's row locks (no dose can be recorded for either
    meanwhile). Each moved record's version goes up, so the registry is sent it again.

    Refused, changing nothing, when both hold an active appointment for the same dose or both
    have the same dose number given (one of them is an error to cancel or void first)."""
    if _same_active_dose(from_recipient=from_recipient, to_recipient=to_recipient):
        raise _appointment_clash()
    dose = _same_dose_given(from_recipient=from_recipient, to_recipient=to_recipient)
    if dose is not None:
        raise ReassignRefused(
            _("Both records hold dose %(n)s. Void the one entered in error, then merge.") % {"n": dose}
        )
    now = timezone.now()
    records = AdministrationRecord.objects.filter(recipient=from_recipient)
    appointments = Appointment.objects.filter(recipient=from_recipient)
    offline_forms = OfflineForm.objects.filter(recipient=from_recipient)
    moved = Reassigned(
        records=sorted(records.values_list("pk", flat=True)),
        appointments=sorted(appointments.values_list("pk", flat=True)),
        offline_forms=sorted(offline_forms.values_list("pk", flat=True)),
    )
    try:
        # Booking doesn't take the person's lock: an appointment booked for the same dose since
        # the check above still meets the one-active-per-dose constraint here.
        with transaction.atomic():
            appointments.update(recipient=to_recipient, changed_at=now)
    except IntegrityError:
        raise _appointment_clash() from None
    records.update(recipient=to_recipient, version=F("version") + 1, changed_at=now)
    offline_forms.update(recipient=to_recipient)
    _audit_moved(moved, from_recipient=from_recipient, to_recipient=to_recipient, by=by, request=request)
    return moved


def _audit_moved(moved: Reassigned, *, from_recipient, to_recipient, by, request, **extra) -> None:
    """One audit row for the rows a merge or its undo moved (none when nothing moved)."""
    if moved.records or moved.appointments or moved.offline_forms:
        audit(
            action="administration.records.reassigned",
            by=by,
            target=to_recipient,
            request=request,
            data={
                "from_recipient": from_recipient.pk,
                "records": moved.records,
                "appointments": moved.appointments,
                "offline_forms": moved.offline_forms,
                **extra,
            },
        )


@transaction.atomic
def records_restore(
    *, moved: Reassigned, from_recipient: Recipient, to_recipient: Recipient, by: User, request=None
) -> Reassigned:
    """Undo `records_reassign`: the rows it moved (by id) go back to `to_recipient`, the person
    restored, if they are still `from_recipient`'s; each moved record's version goes up again, so
    the registry is sent it under the person it belongs to."""
    now = timezone.now()
    records = AdministrationRecord.objects.filter(pk__in=moved.records, recipient=from_recipient)
    appointments = Appointment.objects.filter(pk__in=moved.appointments, recipient=from_recipient)
    offline_forms = OfflineForm.objects.filter(pk__in=moved.offline_forms, recipient=from_recipient)
    back = Reassigned(
        records=sorted(records.values_list("pk", flat=True)),
        appointments=sorted(appointments.values_list("pk", flat=True)),
        offline_forms=sorted(offline_forms.values_list("pk", flat=True)),
    )
    appointments.update(recipient=to_recipient, changed_at=now)
    records.update(recipient=to_recipient, version=F("version") + 1, changed_at=now)
    offline_forms.update(recipient=to_recipient)
    _audit_moved(
        back,
        from_recipient=from_recipient,
        to_recipient=to_recipient,
        by=by,
        request=request,
        undoing_merge=True,
    )
    return back
