"""Reads of rosters and invitations, for this app's views and for the apps above it."""

from django.core import signing
from django.db.models import Count, Prefetch, Q, QuerySet

from employers.enums import InviteeStatus
from employers.models import Invitation, Invitee, RosterUpload

TOKEN_SALT = "employers.invitation"  # noqa: S105 (a namespace for signatures, not a secret)
# The invitation landing page keeps the opened link's token here for the registration page.
INVITATION_SESSION_KEY = "employers.invitation_token"


def invitation_token(invitation: Invitation) -> str:
    """The token of an invitation's link: its random key, signed with the site's secret, so a
    link can't be made up or altered even by someone who reads the database."""
    return signing.Signer(salt=TOKEN_SALT).sign(invitation.key)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token names (whatever its state: check `link_state()`), or None
    for a token that was altered or never issued."""
    try:
        key = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("invitee__organization", "invitee__priority_group")
        .filter(key=key)
        .first()
    )


def invitation_prefill(invitation: Invitation) -> dict:
    """What the organization told us about the invited person, to prefill their registration."""
    invitee = invitation.invitee
    return {
        "invitation_id": invitation.pk,
        "invitee_id": invitee.pk,
        "first_name": invitee.first_name,
        "last_name": invitee.last_name,
        "email": invitee.email,
        "phone": invitee.phone,
        "date_of_birth": invitee.date_of_birth,
        "priority_group": invitee.priority_group,  # enrollment.PriorityGroup or None
        "occupation": invitee.occupation,
        "language": invitee.language,
        "organization": invitee.organization,
    }


def invitee_ids_for_recipient(recipient_id: int) -> list[int]:
    """Every roster entry (across organizations) of a registered person."""
    return list(Invitee.objects.filter(recipient_id=recipient_id).values_list("pk", flat=True))


def roster_invitees(*, organization, status: str = "", search: str = "") -> QuerySet:
    """An organization's people with their invitations (newest first, as `invitation_list`)."""
    invitees = Invitee.objects.filter(organization=organization).select_related("priority_group")
    if status:
        invitees = invitees.filter(status=status)
    for word in search.split()[:5]:
        invitees = invitees.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return invitees.prefetch_related(
        Prefetch(
            "invitations",
            queryset=Invitation.objects.order_by("-created_at", "-id"),
            to_attr="invitation_list",
        )
    ).order_by("last_name", "first_name", "id")


def roster_counts(*, organization) -> dict:
    """How many people of the roster are at each status, and in all (one query)."""
    counts = dict(
        Invitee.objects.filter(organization=organization)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "total": sum(counts.values()),
        "statuses": [(status, status.label, counts.get(status.value, 0)) for status in InviteeStatus],
    }


def organization_uploads(*, organization) -> QuerySet:
    return RosterUpload.objects.filter(organization=organization).select_related("uploaded_by")
