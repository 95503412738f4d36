"""Making, resending and revoking the invitations of a roster's people; sending a batch of them
is employers/services/sending.py."""

import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit
from cvms.emails import CLAIM_TIMEOUT
from cvms.locking import lock_all
from cvms.models import User
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterUpload
from employers.services.errors import RosterRefused
from employers.services.sending import INVITABLE, invitations_send
from enrollment.models import Organization


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
