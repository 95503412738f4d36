"""Making, sending, resending and revoking the invitations of a roster's people."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit
from cvms.emails import CLAIM_TIMEOUT, RETRY_PAUSES, render_email, smtp_error_is_transient
from cvms.locking import lock_all
from cvms.models import User
from cvms.sites import absolute_url
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterUpload
from employers.selectors import invitation_token
from employers.services.errors import RosterRefused
from enrollment.models import Organization

logger = logging.getLogger(__name__)

# A person who has gone further than an invitation is never invited again.
INVITABLE = (InviteeStatus.ADDED, InviteeStatus.INVITED, InviteeStatus.OPENED, InviteeStatus.REVOKED)


def invitee_batches(*, upload_id: int) -> list[list[int]]:
    """The new people of an imported upload who are still to be invited, in sending batches."""
    upload = RosterUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return []
    ids = list(
        Invitee.objects.filter(
            organization_id=upload.organization_id, status=InviteeStatus.ADDED, created_by_upload=upload
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = settings.EMPLOYERS_INVITATION_BATCH
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def invitations_dispatch(*, upload_id: int) -> int:
    """Make the invitation of every new person of an imported upload, then promise their sending
    in batches (through the outbox); return how many batches.

    Every person to invite has a pending invitation before any batch is published, and the
    upload notes it (`invitations_made_at`) in the transaction that promises the batches: from
    then on, what a lost batch or a dead worker leaves unsent is found by the sweep among the
    few unsent invitations, never by reading the whole roster. Safe to run twice: the making is
    (see `_invitations_make`), and the batches are promised once."""
    from employers.tasks import invitations_send_batch

    if not RosterUpload.objects.filter(
        pk=upload_id, status=UploadStatus.IMPORTED, invitations_made_at__isnull=True
    ).exists():
        return 0
    for batch in invitee_batches(upload_id=upload_id):
        _invitations_make(upload_id=upload_id, invitee_ids=batch)
    with transaction.atomic():
        noted = RosterUpload.objects.filter(pk=upload_id, invitations_made_at__isnull=True).update(
            invitations_made_at=timezone.now()
        )
        if not noted:
            return 0  # another run got here first and promised the batches
        pending = Invitation.objects.filter(
            upload_id=upload_id, status=DeliveryStatus.PENDING, revoked_at__isnull=True
        )
        batches = _batches(pending)
        for batch in batches:
            outbox.enqueue(invitations_send_batch, invitation_ids=batch)
    return len(batches)


def _batches(invitations) -> list[list[int]]:
    ids = list(invitations.order_by("pk").values_list("pk", flat=True))
    size = settings.EMPLOYERS_INVITATION_BATCH
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def invitations_make_and_send(*, upload_id: int, invitee_ids: list[int]) -> int:
    """Make the invitations of these new people of an upload (those still to be invited), then
    e-mail them; return how many were sent.

    Safe to run twice, or in two workers at once: an upload's invitation of a person is made
    once (a unique constraint, and locked invitees), and each is claimed before it is sent. A
    re-run also sends what an earlier run made but didn't get to send."""
    _invitations_make(upload_id=upload_id, invitee_ids=invitee_ids)
    pending = Invitation.objects.filter(
        upload_id=upload_id,
        invitee_id__in=list(invitee_ids),
        status=DeliveryStatus.PENDING,
        revoked_at__isnull=True,
    )
    return invitations_send(invitation_ids=list(pending.order_by("pk").values_list("pk", flat=True)))


@transaction.atomic
def _invitations_make(*, upload_id: int, invitee_ids: list[int]) -> None:
    # Lock the people first (as `invitations_resend` does), then look for their links in a
    # later statement, which sees what another worker or a resend committed meanwhile. A worker
    # waits for its locks as long as it takes (not `lock_all`, whose bounded wait is for people
    # at a page: a batch refused here would not be retried).
    locked = list(
        Invitee.objects.select_for_update()
        .filter(pk__in=list(invitee_ids), created_by_upload_id=upload_id, status=InviteeStatus.ADDED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return
    have = set(
        Invitation.objects.filter(invitee_id__in=locked)
        .filter(Q(revoked_at__isnull=True) | Q(upload_id=upload_id))
        .values_list("invitee_id", flat=True)
    )
    now = timezone.now()
    Invitation.objects.bulk_create(
        [
            Invitation(invitee_id=pk, upload_id=upload_id, key=secrets.token_hex(16), created_at=now)
            for pk in locked
            if pk not in have
        ],
        ignore_conflicts=True,  # the constraint invitation_one_per_import, the last guard
    )


def _claim(invitation_ids: list[int], now) -> list[int]:
    """Move pending invitations to `sending` and return those this call got: a conditional
    UPDATE, so that of two workers given the same batch only one sends each invitation. The
    claim's time lets the sweep tell a dead worker's claim from a live one's."""
    if not invitation_ids:
        return []
    expires = now + timedelta(days=settings.EMPLOYERS_INVITATION_DAYS)
    placeholders = ", ".join(["%s"] * len(invitation_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Invitation._meta.db_table} SET status = %s, expires_at = %s, claimed_at = %s
                WHERE id IN ({placeholders}) AND status = %s AND revoked_at IS NULL
                RETURNING id""",  # noqa: S608
            [DeliveryStatus.SENDING, expires, now, *invitation_ids, DeliveryStatus.PENDING],
        )
        return sorted(row[0] for row in cursor.fetchall())


def invitations_send(*, invitation_ids: list[int], now=None) -> int:
    """E-mail each pending invitation among `invitation_ids` once, over one SMTP connection;
    return how many were sent.

    The batch is claimed (pending → sending) before its e-mails go out, each claim is renewed
    just before its e-mail goes (so a slow mail server holds one e-mail past the claim timeout,
    never a whole batch), and each invitation is marked sent as soon as its e-mail is: a worker
    killed mid-batch leaves the ones it hadn't sent claimed, and the sweep (`invitations_sweep`)
    hands them to another worker once the claim is older than a live worker's could be; a claim
    the sweep took back is this worker's no more. Each invitation ends on its own, as the
    core's e-mails do (cvms.emails): an answer that retrying can't cure (550, no such mailbox)
    marks that one failed and the batch goes on; a transient one (4xx, a dropped connection)
    puts it back in line, to be sent again after a pause."""
    now = now or timezone.now()
    claimed = _claim(list(invitation_ids), now)
    if not claimed:
        return 0
    invitations = (
        Invitation.objects.filter(pk__in=claimed)
        .select_related("invitee__organization", "upload__uploaded_by")
        .order_by("pk")
    )
    mail = get_connection()
    sent = 0
    try:
        for invitation in invitations:
            if not _still_mine(invitation):
                continue  # the sweep took it back: another worker sends it
            try:
                message = _invitation_message(invitation)
                message.connection = mail
                message.send()
            except Exception as error:
                _failed_attempt(invitation, error, now=now)
                # A fresh connection for the next one: after a dropped connection or a refusal
                # mid-conversation, the old one can't be trusted.
                mail.close()
                continue
            _mark_sent(invitation)
            sent += 1
    finally:
        mail.close()
    return sent


def _still_mine(invitation: Invitation) -> bool:
    """Renew this worker's claim on the invitation before its e-mail goes out; False when the
    sweep has taken it back meanwhile. The claim's time is its token: renewed only if it is
    still the one this worker read."""
    now = timezone.now()
    renewed = Invitation.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=invitation.claimed_at
    ).update(claimed_at=now)
    invitation.claimed_at = now
    return renewed == 1


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


def _invitation_message(invitation: Invitation) -> EmailMultiAlternatives:
    invitee = invitation.invitee
    link = absolute_url(reverse("me:employers.invitation", kwargs={"token": invitation_token(invitation)}))
    rendered = render_email(
        "employers/invitation",
        {
            "name": invitee.first_name,
            "organization": invitee.organization.name,
            "link": link,
            "expires_at": invitation.expires_at,
            "days": settings.EMPLOYERS_INVITATION_DAYS,
        },
        language=invitee.language,
    )
    message = EmailMultiAlternatives(subject=rendered["subject"], body=rendered["text"], to=[invitee.email])
    message.attach_alternative(rendered["html"], "text/html")
    return message


@transaction.atomic
def _mark_sent(invitation: Invitation) -> None:
    """Mark one sent invitation at once (not at the batch's end: a worker killed after it must
    not leave it to be sent again), and show its person invited."""
    now = timezone.now()
    mine = Invitation.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=invitation.claimed_at
    )
    # The person's row before the invitation's, the order in which a resend takes them: the
    # other order deadlocked with a resend of the same person (seen in its thread test).
    Invitee.objects.filter(pk=invitation.invitee_id, status__in=INVITABLE).filter(Exists(mine)).update(
        status=InviteeStatus.INVITED, updated_at=now
    )
    mine.update(status=DeliveryStatus.SENT, sent_at=now, attempts=invitation.attempts + 1, last_error="")
    audit(
        action="employers.invitation.sent",
        by=None,  # a worker sends them, for the organization that uploaded the roster
        target=invitation,
        data={"invitee": invitation.invitee_id, "organization": invitation.invitee.organization_id},
    )


def invitations_sweep(*, now=None) -> dict[str, int]:
    """What dead workers and lost tasks left undone, handed to workers again (run every minute):

    - an imported upload whose dispatch never finished is dispatched again;
    - invitations a worker claimed longer ago than a live worker's claim could be go back to
      pending (a worker killed mid-batch; "sending" without a claim time: left by the code
      before claims had one);
    - pending invitations whose pause is over, or that no batch has sent since they were made
      (their task lost with the broker's data), are published in batches, each no more than
      once per claim timeout.
    """
    from employers.tasks import invitations_dispatch as dispatch_task
    from employers.tasks import invitations_send_batch

    now = now or timezone.now()
    stale = now - CLAIM_TIMEOUT
    undispatched = list(
        RosterUpload.objects.filter(
            status=UploadStatus.IMPORTED, invitations_made_at__isnull=True, finished_at__lt=stale
        ).values_list("pk", flat=True)[: outbox.SWEEP_BATCH]
    )
    released = (
        Invitation.objects.filter(status=DeliveryStatus.SENDING)
        .filter(Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True))
        .update(status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now)
    )
    due = Invitation.objects.filter(status=DeliveryStatus.PENDING, revoked_at__isnull=True).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=stale)
    )
    due_ids = list(due.order_by("pk").values_list("pk", flat=True)[: outbox.SWEEP_BATCH])
    size = settings.EMPLOYERS_INVITATION_BATCH
    with transaction.atomic():
        for upload_id in undispatched:
            outbox.enqueue(dispatch_task, upload_id=upload_id)
        for start in range(0, len(due_ids), size):
            outbox.enqueue(invitations_send_batch, invitation_ids=due_ids[start : start + size])
        # Published once is enough: not again before a worker could have claimed it and died.
        Invitation.objects.filter(pk__in=due_ids, status=DeliveryStatus.PENDING).update(
            next_attempt_at=now + CLAIM_TIMEOUT
        )
    return {"dispatched": len(undispatched), "released": released, "published": len(due_ids)}


@transaction.atomic
def invitations_resend(*, organization: Organization, invitee_ids, by: User, request=None) -> int:
    """Send a new link to each of these people (of `organization` only) who may still be
    invited; their earlier unused links stop working. Returns how many will be sent."""
    invitees = lock_all(
        Invitee.objects.filter(organization=organization, pk__in=list(invitee_ids), status__in=INVITABLE)
    )
    if not invitees:
        return 0
    now = timezone.now()
    Invitation.objects.filter(invitee__in=invitees, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    created = Invitation.objects.bulk_create(
        [Invitation(invitee=invitee, key=secrets.token_hex(16), created_at=now) for invitee in invitees]
    )
    ids = [invitation.pk for invitation in created]
    audit(
        action="employers.invitation.resent",
        by=by,
        target=organization,
        request=request,
        data={"invitees": [invitee.pk for invitee in invitees], "invitations": ids},
    )
    from employers.tasks import invitations_send_batch

    for batch in _batches(Invitation.objects.filter(pk__in=ids)):
        outbox.enqueue(invitations_send_batch, invitation_ids=batch)
    return len(ids)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request=None) -> None:
    """Stop a link from working (it was sent to the wrong person, say)."""
    now = timezone.now()
    revoked = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not revoked:
        raise RosterRefused(_("This invitation can't be revoked: it has been used or revoked already."))
    Invitee.objects.filter(pk=invitation.invitee_id, status__in=INVITABLE).update(
        status=InviteeStatus.REVOKED, updated_at=now
    )
    audit(
        action="employers.invitation.revoked",
        by=by,
        target=invitation,
        request=request,
        data={"invitee": invitation.invitee_id},
    )
