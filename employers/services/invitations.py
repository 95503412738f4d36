"""Making, sending, resending and revoking the invitations of a roster's people."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit, audit_many
from cvms.emails import render_email
from cvms.locking import lock_all
from cvms.models import User
from employers.enums import DeliveryStatus, InviteeStatus
from employers.models import Invitation, Invitee, RosterUpload
from employers.selectors import invitation_token
from employers.services.errors import RosterRefused
from enrollment.models import Organization

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


def _claim(invitation_ids: list[int]) -> list[int]:
    """Move pending invitations to `sending` and return those this call got: a conditional
    UPDATE, so that of two workers given the same batch only one sends each invitation."""
    if not invitation_ids:
        return []
    expires = timezone.now() + timedelta(days=settings.EMPLOYERS_INVITATION_DAYS)
    placeholders = ", ".join(["%s"] * len(invitation_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Invitation._meta.db_table} SET status = %s, expires_at = %s
                WHERE id IN ({placeholders}) AND status = %s AND revoked_at IS NULL
                RETURNING id""",  # noqa: S608
            [DeliveryStatus.SENDING, expires, *invitation_ids, DeliveryStatus.PENDING],
        )
        return sorted(row[0] for row in cursor.fetchall())


def invitations_send(*, invitation_ids: list[int]) -> int:
    """E-mail each pending invitation among `invitation_ids` once; return how many were sent.

    Each invitation is claimed (pending → sending) before its e-mail goes out and marked sent
    after, so a retried or re-run task skips it. A crash between the two leaves it `sending`:
    it is not sent again automatically (one e-mail too few beats one too many; the
    organization can resend). An SMTP error puts the unsent ones back to pending and raises,
    so the task retries them."""
    claimed = _claim(list(invitation_ids))
    if not claimed:
        return 0
    invitations = (
        Invitation.objects.filter(pk__in=claimed)
        .select_related("invitee__organization", "upload__uploaded_by")
        .order_by("pk")
    )
    sent: list[Invitation] = []
    try:
        with get_connection() as mail:
            for invitation in invitations:
                message = _invitation_message(invitation)
                message.connection = mail
                message.send()
                sent.append(invitation)
    except OSError:
        # The SMTP server failed us: what wasn't sent goes back to pending for the retry.
        Invitation.objects.filter(
            pk__in=set(claimed) - {i.pk for i in sent}, status=DeliveryStatus.SENDING
        ).update(status=DeliveryStatus.PENDING)
        raise
    finally:
        _mark_sent(sent)
    return len(sent)


def _invitation_message(invitation: Invitation) -> EmailMultiAlternatives:
    invitee = invitation.invitee
    link = settings.SITE_URL.rstrip("/") + reverse(
        "me:employers.invitation", kwargs={"token": invitation_token(invitation)}
    )
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
def _mark_sent(invitations: list[Invitation]) -> None:
    """Mark a batch's sent invitations (set-based: three statements for the batch)."""
    if not invitations:
        return
    now = timezone.now()
    ids = [invitation.pk for invitation in invitations]
    Invitation.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=now
    )
    Invitee.objects.filter(pk__in=[i.invitee_id for i in invitations], status__in=INVITABLE).update(
        status=InviteeStatus.INVITED, updated_at=now
    )
    audit_many(
        action="employers.invitation.sent",
        by=None,  # a worker sends them, for the organization that uploaded the roster
        events=[
            (
                invitation,
                {"invitee": invitation.invitee_id, "organization": invitation.invitee.organization_id},
            )
            for invitation in invitations
        ],
    )


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

    size = settings.EMPLOYERS_INVITATION_BATCH
    for start in range(0, len(ids), size):
        outbox.enqueue(invitations_send_batch, invitation_ids=ids[start : start + size])
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
