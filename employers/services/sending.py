"""Sending a batch of invitations: claimed at once, e-mailed over one SMTP connection, each marked
sent as soon as the mail server has it.

What one e-mail costs is about what a mail server's own client would pay: the batch is claimed
and read in two queries, its e-mails made from one rendering (employers/services/
invitation_mail.py), and as soon as the server has an e-mail one statement marks it sent and shows
its person invited, answered while the next e-mail goes (`_Marks`). The audit rows of a batch are
written together at its end.

The mark stays per e-mail, not per batch, so that a worker killed mid-batch leaves nothing it sent
to be sent again: of what it held, only the e-mail in hand at the kill can go twice (as with any
SMTP client); a batch marked at its end would send again everything before the kill. A kill also
loses the audit rows of the batch's e-mails sent so far (the invitations themselves say sent).
"""

import logging
import select
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from psycopg import pq

from cvms.audit import audit, audit_many
from cvms.emails import CLAIM_TIMEOUT, RETRY_PAUSES, smtp_error_is_transient
from employers.enums import DeliveryStatus, InviteeStatus
from employers.models import Invitation, Invitee
from employers.services.invitation_mail import InvitationEmails

logger = logging.getLogger(__name__)

# A person who has gone further than an invitation is never invited again.
INVITABLE = (InviteeStatus.ADDED, InviteeStatus.INVITED, InviteeStatus.OPENED, InviteeStatus.REVOKED)

INVITATIONS = Invitation._meta.db_table
INVITEES = Invitee._meta.db_table
_INVITABLE_SQL = ", ".join(f"'{status}'" for status in INVITABLE)
# One round trip, one implicit transaction (a multi-statement query: Django's psycopg cursor binds
# on the client). The person's row before the invitation's, the order in which a resend takes
# them: the other order deadlocked with a resend of the same person (seen in its thread test).
_MARK_SENT = f"""
UPDATE {INVITEES} SET status = '{InviteeStatus.INVITED}', updated_at = %(now)s
 WHERE id = %(invitee)s AND status IN ({_INVITABLE_SQL})
   AND EXISTS (SELECT 1 FROM {INVITATIONS} WHERE id = %(sent)s AND status = '{DeliveryStatus.SENDING}'
                                             AND claimed_at = %(claim)s);
UPDATE {INVITATIONS} SET status = '{DeliveryStatus.SENT}', sent_at = %(now)s, attempts = attempts + 1,
       last_error = ''
 WHERE id = %(sent)s AND status = '{DeliveryStatus.SENDING}' AND claimed_at = %(claim)s
RETURNING id;
"""  # noqa: S608 - table names and statuses are ours; the values are bound

# The mark's commit doesn't wait for the disk (for that one transaction): waiting took about 10 ms
# an e-mail on a busy machine, more than the e-mail itself. A killed worker can't lose the mark
# (the database has it); only a crash of PostgreSQL itself in the next fraction of a second
# (wal_writer_delay, three times over) could, and then that e-mail would go again once its claim
# timed out.
_COMMIT_WITHOUT_WAITING = "SELECT set_config('synchronous_commit', 'off', true);"

# A claim younger than this can't have been taken back by the sweep (it takes those older than
# CLAIM_TIMEOUT): until then the worker sends without asking; after, it renews each claim before
# its e-mail goes (a slow mail server), and skips those the sweep took back.
RENEW_AFTER = CLAIM_TIMEOUT / 2


def _claim(invitation_ids: list[int], now) -> list[int]:
    """Move pending invitations to `sending` and return those this call got: a conditional
    UPDATE, so that of two workers given the same batch only one sends each invitation. The
    claim's time lets the sweep tell a dead worker's claim from a live one's."""
    if not invitation_ids:
        return []
    expires = now + timedelta(days=settings.EMPLOYERS_INVITATION_DAYS)
    if connection.vendor != "postgresql":
        return _claim_portably(invitation_ids, now=now, expires=expires)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {INVITATIONS} SET status = %s, expires_at = %s, claimed_at = %s
                WHERE id = ANY(%s) AND status = %s AND revoked_at IS NULL
                RETURNING id""",  # noqa: S608
            [DeliveryStatus.SENDING, expires, now, list(invitation_ids), DeliveryStatus.PENDING],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _claim_portably(invitation_ids: list[int], *, now, expires) -> list[int]:
    """`_claim` without UPDATE ... RETURNING (SQLite under `make run`, a demo's few invitations):
    one conditional UPDATE per invitation, so that of two workers only one gets each."""
    pending = Invitation.objects.filter(status=DeliveryStatus.PENDING, revoked_at__isnull=True)
    return [
        pk
        for pk in sorted(invitation_ids)
        if pending.filter(pk=pk).update(status=DeliveryStatus.SENDING, expires_at=expires, claimed_at=now)
    ]


def invitations_send(*, invitation_ids: list[int], now=None) -> int:
    """E-mail each pending invitation among `invitation_ids` once, over one SMTP connection;
    return how many were sent.

    The batch is claimed (pending → sending) before its e-mails go out; once the batch is older
    than half the claim timeout, each claim is renewed just before its e-mail goes (so a slow
    mail server holds one e-mail past the claim timeout, never a whole batch); and each
    invitation is marked sent as soon as its e-mail is: a worker killed mid-batch leaves the ones
    it hadn't sent claimed, and the sweep (`invitations_sweep`) hands them to another worker once
    the claim is older than a live worker's could be; a claim the sweep took back is this
    worker's no more. Each invitation ends on its own, as the core's e-mails do (cvms.emails): an
    answer that retrying can't cure (550, no such mailbox) marks that one failed and the batch
    goes on; a transient one (4xx, a dropped connection) puts it back in line, to be sent again
    after a pause."""
    now = now or timezone.now()
    claimed = _claim(list(invitation_ids), now)
    if not claimed:
        return 0
    invitations = list(
        Invitation.objects.filter(pk__in=claimed).select_related("invitee__organization").order_by("pk")
    )
    mail = get_connection()
    try:
        mail.open()
    except Exception as error:
        for invitation in invitations:  # the mail server is down: the whole batch back in line
            _failed_attempt(invitation, error, now=now)
        return 0
    sent: list[Invitation] = []
    try:
        _send_all(invitations, mail, sent, now=now)
    finally:
        mail.close()
        _audit_sent(sent)
    return len(sent)


def _send_all(invitations: list[Invitation], mail, sent: list[Invitation], *, now) -> None:
    emails = InvitationEmails()
    marks = _Marks(sent)
    try:
        for invitation in invitations:
            if timezone.now() - invitation.claimed_at > RENEW_AFTER:
                marks.collect()
                if not _still_mine(invitation):
                    continue  # the sweep took it back: another worker sends it
            try:
                mail.send_messages([emails.email(invitation)])
            except Exception as error:
                marks.collect()
                _failed_attempt(invitation, error, now=now)
                # A fresh connection for the next one: after a dropped connection or a refusal
                # mid-conversation, the old one can't be trusted.
                _reopen(mail)
                continue
            marks.send(invitation)
    finally:
        marks.collect()


def _reopen(mail) -> None:
    mail.close()
    try:
        mail.open()
    except Exception:
        # Still refused: each of the next e-mails tries to open it again, and fails on its own.
        logger.warning("The mail server refused a new connection", exc_info=True)


def _still_mine(invitation: Invitation) -> bool:
    """Renew this worker's claim on the invitation before its e-mail goes out; False when the
    sweep has taken it back meanwhile. The claim's time is its token: renewed only if it is
    still the one this worker read."""
    now = timezone.now()
    renewed_now = Invitation.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=invitation.claimed_at
    ).update(claimed_at=now)
    invitation.claimed_at = now
    return renewed_now == 1


def _binds_on_server() -> bool:
    return bool(connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def _mark_sent_portably(invitation: Invitation, *, now) -> bool:
    """`_MARK_SENT` through the ORM, in one transaction: the person invited, then the invitation
    sent, only while the claim is still this worker's (the same lock order)."""
    claim = Invitation.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=invitation.claimed_at
    )
    with transaction.atomic():
        if not claim.exists():
            return False
        Invitee.objects.filter(pk=invitation.invitee_id, status__in=INVITABLE).update(
            status=InviteeStatus.INVITED, updated_at=now
        )
        return (
            claim.update(status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="")
            == 1
        )


class _Marks:
    """Each e-mail's mark (sent, its person invited), on its way to PostgreSQL as soon as the mail
    server has the e-mail, and answered while the next e-mail goes: the worker doesn't wait a
    round trip to the database per e-mail. Not at the batch's end: a worker killed after an
    e-mail must not leave it to be sent again. Whether the mark took (the claim was still this
    worker's) is read before anything else uses the connection."""

    def __init__(self, sent: list[Invitation]):
        self.sent = sent
        self.waiting: Invitation | None = None

    def send(self, invitation: Invitation) -> None:
        self.collect()
        params = {
            "now": timezone.now(),
            "invitee": invitation.invitee_id,
            "sent": invitation.pk,
            "claim": invitation.claimed_at,
        }
        # SQLite (`make run`), or a web process's connection that prepares its statements
        # (DATABASE_PREPARED_STATEMENTS: one statement at a time, no mogrify) running the task
        # in-process: one plain statement each. Workers send the marks pipelined.
        if connection.vendor != "postgresql" or _binds_on_server():
            if _mark_sent_portably(invitation, now=params["now"]):
                self.sent.append(invitation)
            return
        if connection.in_atomic_block:  # inside a caller's transaction (the tests): at once
            with connection.cursor() as cursor:
                cursor.execute(_MARK_SENT, params)
                cursor.cursor.nextset()
                if cursor.cursor.fetchone() is not None:
                    self.sent.append(invitation)
            return
        with connection.cursor() as cursor:
            query = cursor.mogrify(_COMMIT_WITHOUT_WAITING + _MARK_SENT, params)
        pgconn = connection.connection.pgconn
        pgconn.send_query(query.encode())
        while pgconn.flush():
            select.select([], [pgconn.socket], [])
        self.waiting = invitation

    def collect(self) -> None:
        if self.waiting is None:
            return
        invitation, self.waiting = self.waiting, None
        pgconn = connection.connection.pgconn
        marked, error = False, None
        while True:
            while pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                break
            if result.status == pq.ExecStatus.FATAL_ERROR:
                error = result.error_message.decode(errors="replace")
            elif result.command_status.startswith(b"UPDATE") and result.status == pq.ExecStatus.TUPLES_OK:
                marked = result.ntuples == 1
        if error:
            raise DatabaseError(f"Marking invitation {invitation.pk} sent failed: {error}")
        if marked:
            self.sent.append(invitation)


def _audit_sent(sent: list[Invitation]) -> None:
    audit_many(
        action="employers.invitation.sent",
        by=None,  # a worker sends them, for the organization that uploaded the roster
        events=[
            (invitation, {"invitee": person.pk, "organization": person.organization_id})
            for invitation in sent
            for person in [invitation.invitee]
        ],
    )


def _failed_attempt(invitation: Invitation, error: Exception, *, now) -> str:
    """The mail server refused this invitation's e-mail: back in line after a pause when it may
    take it later, else failed for good (with the server's answer, for the organization)."""
    attempts = invitation.attempts + 1
    mine = Invitation.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=invitation.claimed_at
    )
    if smtp_error_is_transient(error) and attempts <= len(RETRY_PAUSES):
        mine.update(
            status=DeliveryStatus.PENDING,
            attempts=attempts,
            claimed_at=None,
            next_attempt_at=now + RETRY_PAUSES[attempts - 1],
            last_error=str(error)[:1000],
        )
        logger.warning("Invitation %s not sent yet (attempt %d): %s", invitation.pk, attempts, error)
        return "retry"
    mine.update(status=DeliveryStatus.FAILED, attempts=attempts, last_error=str(error)[:1000])
    audit(
        action="employers.invitation.failed",
        by=None,
        target=invitation,
        data={"invitee": invitation.invitee_id, "error": str(error)[:300]},
    )
    logger.error("Invitation %s failed for good: %s", invitation.pk, error)
    return "failed"
