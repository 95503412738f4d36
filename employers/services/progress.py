"""What a roster's people did next: opened their link, registered, booked, were vaccinated, were
merged (called by this app's landing page and, through `employers.interface`, by the apps above)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cvms.audit import audit
from cvms.models import User
from employers.enums import InviteeStatus, LinkState
from employers.models import Invitation, Invitee


class InvitationInvalid(Exception):
    """An invitation link that is used, revoked, expired or not sent yet."""

    def __init__(self, state: LinkState):
        super().__init__(state)
        self.state = state


@transaction.atomic
def invitation_open(*, invitation: Invitation, request=None) -> None:
    """The link was followed: note it the first time (the roster shows "opened")."""
    now = timezone.now()
    first = Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    if not first:
        return
    invitation.opened_at = now
    Invitee.objects.filter(pk=invitation.invitee_id, status=InviteeStatus.INVITED).update(
        status=InviteeStatus.OPENED, updated_at=now
    )
    audit(action="employers.invitation.opened", by=None, target=invitation, request=request)


@transaction.atomic
def invitation_use(*, invitation: Invitation, recipient_id: int, by: User | None, request=None) -> None:
    """The invited person registered through this link: it never works again, nor do their
    other links, and the roster shows them registered. Raises InvitationInvalid (with its
    `.state`, a LinkState) when the link can't be used; a
    conditional UPDATE, so two registrations racing on one link can't both win."""
    now = timezone.now()
    used = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by_recipient_id=recipient_id)
    if not used:
        invitation.refresh_from_db()
        raise InvitationInvalid(invitation.link_state(now))
    invitation.used_at = now
    invitation.used_by_recipient_id = recipient_id
    Invitation.objects.filter(
        invitee_id=invitation.invitee_id, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    Invitee.objects.filter(pk=invitation.invitee_id).update(
        recipient_id=recipient_id, status=InviteeStatus.REGISTERED, updated_at=now
    )
    audit(
        action="employers.invitation.used",
        by=by,
        target=invitation,
        request=request,
        data={"recipient": recipient_id, "invitee": invitation.invitee_id},
    )


@transaction.atomic
def invitee_recipient_reassign(
    *, from_recipient_id: int, to_recipient_id: int, by: User | None, request=None
) -> list[int]:
    """Two recipient records were merged: the roster entries and used links of the removed one
    now belong to the surviving one (they point at recipients by id, not by foreign key, because
    employers sits below recipients). Returns the roster entries moved."""
    invitee_ids = list(Invitee.objects.filter(recipient_id=from_recipient_id).values_list("pk", flat=True))
    Invitee.objects.filter(pk__in=invitee_ids).update(recipient_id=to_recipient_id, updated_at=timezone.now())
    Invitation.objects.filter(used_by_recipient_id=from_recipient_id).update(
        used_by_recipient_id=to_recipient_id
    )
    if invitee_ids:
        audit(
            action="employers.invitee.recipient_reassigned",
            by=by,
            request=request,
            data={
                "invitees": invitee_ids,
                "from_recipient": from_recipient_id,
                "to_recipient": to_recipient_id,
            },
        )
    return invitee_ids


def roster_links_of(recipient_id: int) -> dict[str, list[int]]:
    """A person's links to rosters, by id: the roster entries that are theirs and the invitation
    links they used (what a merge moves and its undo moves back)."""
    return {
        "invitees": sorted(Invitee.objects.filter(recipient_id=recipient_id).values_list("pk", flat=True)),
        "invitations": sorted(
            Invitation.objects.filter(used_by_recipient_id=recipient_id).values_list("pk", flat=True)
        ),
    }


@transaction.atomic
def roster_links_move(
    *, links: dict[str, list[int]], to_recipient_id: int, by: User | None, request=None
) -> None:
    """Point these roster entries and used invitation links (`roster_links_of`) at another
    person: a merge of two records, or its undo. Their progress on the rosters stays as it was."""
    invitee_ids = list(links.get("invitees", []))
    Invitee.objects.filter(pk__in=invitee_ids).update(recipient_id=to_recipient_id, updated_at=timezone.now())
    Invitation.objects.filter(pk__in=list(links.get("invitations", []))).update(
        used_by_recipient_id=to_recipient_id
    )
    if invitee_ids:
        audit(
            action="employers.invitee.recipient_reassigned",
            by=by,
            request=request,
            data={"invitees": invitee_ids, "to_recipient": to_recipient_id},
        )


@transaction.atomic
def invitee_recipient_find(
    *,
    recipient_id: int,
    first_name: str,
    last_name: str,
    date_of_birth,
    email: str = "",
    by: User | None,
    request=None,
) -> list[int]:
    """A person registered without their invitation (a walk-in registered by the vaccinator at
    the point of care): the roster entries that are theirs, linked to nobody yet, now follow
    them, as if they had registered through the link. Theirs: the same date of birth and the same
    first and last names (case aside), or the same e-mail address when one was given. Their
    links stay usable (to make an account later); the entry shows them registered. Returns the
    roster entries linked."""
    same = Q(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
    if email.strip():
        same |= Q(email__iexact=email.strip())
    invitees = Invitee.objects.filter(same, recipient_id__isnull=True, date_of_birth=date_of_birth).exclude(
        status=InviteeStatus.REVOKED
    )
    invitee_ids = list(invitees.values_list("pk", flat=True))
    if not invitee_ids:
        return []
    Invitee.objects.filter(pk__in=invitee_ids).update(
        recipient_id=recipient_id, status=InviteeStatus.REGISTERED, updated_at=timezone.now()
    )
    audit(
        action="employers.invitee.recipient_found",
        by=by,
        request=request,
        data={"invitees": invitee_ids, "recipient": recipient_id},
    )
    return invitee_ids


@transaction.atomic
def invitee_status_set(*, invitee_ids, status: InviteeStatus, by: User | None = None) -> int:
    """Show these people's progress on their rosters (registered, booked, vaccinated).
    Returns how many rows changed."""
    status = InviteeStatus(status)
    ids = list(invitee_ids)
    changed = (
        Invitee.objects.filter(pk__in=ids)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    if changed:
        audit(
            action="employers.invitee.status_changed",
            by=by,
            data={"invitees": ids, "status": status.value},
        )
    return changed
