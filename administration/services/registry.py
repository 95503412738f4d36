"""The immunization registry's answers: import its acknowledgements, and send again what it refused.

Each ACK finds its message by control id (`Hl7Message`), and through it the record and the version
the message carried:
- AA: the registry holds that version (`hl7_accepted_version`); a refusal of it is over.
- AE/AR: the record goes back in the queue, refused at that version (`hl7_rejected_version`):
  not sent any more, shown to the state on the page of refused messages with the registry's
  errors, and held out of the next exports until a correction makes a new version (which the
  next `--since-last` export sends) or the state sends it again unchanged (`hl7_resend`).

An acknowledgement of an older version than the record's latest news changes nothing of it, so a
file imported twice, or late, can't undo a later answer.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import AckCode
from administration.models import AdministrationRecord, Hl7Message, Hl7Sent
from administration.reporting.acks import Ack, AckFileError, acks_read
from cvms.audit import audit
from cvms.locking import lock_all, lock_one
from cvms.models import User

CHUNK = 2000


class RegistryError(Exception):
    """Something about the registry's answers that can't be done; the message says why."""


@dataclass
class AckImport:
    accepted: int = 0
    refused: int = 0
    repeated: int = 0  # answers already imported
    unknown: list[str] = field(default_factory=list)  # control ids of no message sent from here


def _record_answered(
    record: AdministrationRecord, message: Hl7Message, code: str, *, sent_version: int
) -> dict:
    """The record's fields after the registry's answer to `message` (empty: nothing changes);
    "hl7_sent_version" is its sent mark's (`Hl7Sent.version`), `sent_version` now."""
    if code == AckCode.ACCEPTED:
        changes = {}
        if message.version > record.hl7_accepted_version:
            changes["hl7_accepted_version"] = message.version
        if 0 < record.hl7_rejected_version <= message.version:
            changes["hl7_rejected_version"] = 0
        return changes
    if message.version <= record.hl7_accepted_version:
        return {}  # a later version was accepted since: this refusal is history
    changes = {"hl7_rejected_version": message.version}
    if sent_version == message.version:
        changes["hl7_sent_version"] = record.hl7_accepted_version  # back in the queue
    return changes


def _import_chunk(acks: list[Ack], result: AckImport, now) -> None:
    control_ids = [a.control_id for a in acks]
    # The records first, then their messages read: a second import of the same file at the same
    # moment waits for the first, then finds its answers already imported (read before the lock,
    # the messages would still look unanswered, and the answers would be counted twice).
    records = {
        r.pk: r
        for r in lock_all(
            AdministrationRecord.objects.filter(
                pk__in=Hl7Message.objects.filter(control_id__in=control_ids).values("record_id")
            )
        )
    }
    messages = {m.control_id: m for m in Hl7Message.objects.filter(control_id__in=control_ids)}
    # The sent marks of those records (locked with them: only hl7_mark_sent and this write them).
    sent = dict(Hl7Sent.objects.filter(record_id__in=records).values_list("record_id", "version"))
    answered = []
    for ack in acks:
        message = messages.get(ack.control_id)
        if message is None:
            result.unknown.append(ack.control_id)
            continue
        if message.acknowledged_at is not None and message.ack_code == ack.code:
            result.repeated += 1
            continue
        message.ack_code, message.errors, message.acknowledged_at = ack.code, "\n".join(ack.errors), now
        answered.append(message)
        if ack.code == AckCode.ACCEPTED:
            result.accepted += 1
        else:
            result.refused += 1
        record = records[message.record_id]
        changes = _record_answered(record, message, ack.code, sent_version=sent.get(record.pk, 0))
        if "hl7_sent_version" in changes:  # back in the queue: its mark lowered
            sent[record.pk] = changes.pop("hl7_sent_version")
            # Only if still at the refused version: a batch marked sent since (marks aren't
            # under the records' lock) keeps its newer mark.
            Hl7Sent.objects.filter(record_id=record.pk, version=message.version).update(
                version=sent[record.pk]
            )
        if changes:
            for name, value in changes.items():
                setattr(record, name, value)
            AdministrationRecord.objects.filter(pk=record.pk).update(**changes)
    Hl7Message.objects.bulk_update(answered, ["ack_code", "errors", "acknowledged_at"])


@transaction.atomic
def hl7_acks_import(*, text: str, by: User | None, request=None) -> AckImport:
    """Read the registry's acknowledgement file and apply each answer (all of them, or none: a
    file that can't be read changes nothing and says where it stops making sense)."""
    try:
        acks = list(acks_read(text))
    except AckFileError as unreadable:
        raise RegistryError(
            _("This is not a file of HL7 acknowledgements: %(why)s") % {"why": unreadable}
        ) from None
    result, now = AckImport(), timezone.now()
    for start in range(0, len(acks), CHUNK):
        _import_chunk(acks[start : start + CHUNK], result, now)
    audit(
        action="administration.hl7.acknowledgements_imported",
        by=by,
        request=request,
        data={
            "accepted": result.accepted,
            "refused": result.refused,
            "repeated": result.repeated,
            "unknown": result.unknown[:100],
        },
    )
    return result


@transaction.atomic
def hl7_resend(*, record: AdministrationRecord, by: User, request=None) -> AdministrationRecord:
    """Send a refused record again without a change (the registry's problem was on its side):
    the next `--since-last` export takes it."""
    record = lock_one(AdministrationRecord.objects, pk=record.pk)
    if record.hl7_rejected_version == 0:
        raise RegistryError(_("The registry hasn't refused this record: there is nothing to send again."))
    AdministrationRecord.objects.filter(pk=record.pk).update(hl7_rejected_version=0)
    record.hl7_rejected_version = 0
    audit(
        action="administration.hl7.resend",
        by=by,
        target=record,
        request=request,
        data={"version": record.version},
    )
    return record
