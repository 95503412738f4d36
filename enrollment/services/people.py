"""The people of an organization: colleagues invited and accepted, their roles, where vaccinators
work, and their removal."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.locking import lock_one
from cvms.models import Membership, User
from cvms.roles import Role
from cvms.services import membership_grant, membership_revoke
from cvms.sites import absolute_url
from enrollment.enums import ColleagueInvitationStatus
from enrollment.models import ColleagueInvitation, Location, Organization
from enrollment.selectors import ADMIN_ROLE, ORGANIZATION_ROLES
from enrollment.services.errors import EnrollmentError

WORK_AT_LOCATION = "enrollment.work_at_location"
INVITATION_SALT = "enrollment.invitation"
INVITATION_MAX_AGE = timedelta(days=7)


def invitation_token(invitation: ColleagueInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: ColleagueInvitation) -> str:
    return absolute_url(reverse("enrollment.invitation", kwargs={"token": invitation_token(invitation)}))


def invitation_from_token(token: str) -> ColleagueInvitation:
    """The pending invitation a link points at; `EnrollmentError` if the link is forged,
    expired, used or cancelled."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise EnrollmentError(_("This invitation has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise EnrollmentError(_("This invitation link isn't valid.")) from None
    invitation = (
        ColleagueInvitation.objects.select_related("organization")
        .filter(pk=payload.get("i"), nonce=payload.get("n"))
        .first()
    )
    if invitation is None or invitation.status == ColleagueInvitationStatus.CANCELLED:
        raise EnrollmentError(_("This invitation was withdrawn."))
    if invitation.status == ColleagueInvitationStatus.ACCEPTED:
        raise EnrollmentError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise EnrollmentError(_("This invitation has expired. Ask for a new one."))
    return invitation


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, by: User, request=None
) -> ColleagueInvitation:
    email = email.strip().lower()
    if role not in ORGANIZATION_ROLES[organization.kind]:
        raise EnrollmentError(_("This role doesn't exist in this organization."))
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise EnrollmentError(_("%(email)s already acts for this organization.") % {"email": email})
    # A new invitation replaces a pending one to the same address (its link stops working).
    ColleagueInvitation.objects.filter(
        organization=organization, email=email, status=ColleagueInvitationStatus.PENDING
    ).update(status=ColleagueInvitationStatus.CANCELLED)
    invitation = ColleagueInvitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(16),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_MAX_AGE,
    )
    audit(
        action="enrollment.invitation.sent",
        by=by,
        target=invitation,
        request=request,
        data={"email": email, "role": role, "organization": organization.pk},
    )
    language = (
        User.objects.filter(email__iexact=email).values_list("language", flat=True).first() or by.language
    )
    with translation.override(language):
        context = {
            "subject": _("%(name)s invites you to CVMS") % {"name": organization.name},
            "paragraphs": [
                _("%(person)s invites you to act for %(name)s as %(role)s.")
                % {"person": by.get_full_name(), "name": organization.name, "role": Role(role).label},
                _(
                    "Open the link below. If you have no account yet, create one with this e-mail "
                    "address, confirm it, and open the link again. The link works once, for 7 days."
                ),
            ],
            "action_url": invitation_url(invitation),
            "action_label": _("Accept the invitation"),
        }
    send_templated_email(to=email, template="notice", context=context, language=language)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: ColleagueInvitation, user: User, request=None) -> Membership:
    # Only the invitation is locked (it is accepted once); its organization is read with it.
    locked = lock_one(ColleagueInvitation.objects.select_related("organization"), pk=invitation.pk)
    if locked.status != ColleagueInvitationStatus.PENDING or locked.expires_at <= timezone.now():
        raise EnrollmentError(_("This invitation can no longer be used."))
    if not EmailAddress.objects.filter(user=user, email__iexact=locked.email, verified=True).exists():
        raise EnrollmentError(
            _("This invitation is for %(email)s. Sign in with that address (confirmed) to accept it.")
            % {"email": locked.email}
        )
    locked.status = ColleagueInvitationStatus.ACCEPTED
    locked.accepted_by = user
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["status", "accepted_by", "accepted_at"])
    membership = membership_grant(
        user=user, organization=locked.organization, role=Role(locked.role), by=user
    )
    audit(action="enrollment.invitation.accepted", by=user, target=locked, request=request)
    return membership


@transaction.atomic
def invitation_cancel(*, invitation: ColleagueInvitation, by: User, request=None) -> None:
    updated = ColleagueInvitation.objects.filter(
        pk=invitation.pk, status=ColleagueInvitationStatus.PENDING
    ).update(status=ColleagueInvitationStatus.CANCELLED)
    if not updated:
        raise EnrollmentError(_("This invitation is no longer pending."))
    audit(action="enrollment.invitation.cancelled", by=by, target=invitation, request=request)


def _other_admins_exist(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organization_id=membership.organization_id, role=membership.role)
        .exclude(pk=membership.pk)
        .exists()
    )


def _remove_location_permissions(membership: Membership) -> None:
    UserObjectPermission.objects.filter(
        user_id=membership.user_id,
        permission__codename="work_at_location",
        content_type__app_label="enrollment",
        object_pk__in=[
            str(pk)
            for pk in Location.objects.filter(organization_id=membership.organization_id).values_list(
                "pk", flat=True
            )
        ],
    ).delete()


def _locked_with_organization(membership: Membership) -> Membership:
    """The membership's row, after its organization's: two administrators changing or removing
    each other at once take turns on the organization, and the second sees that it would be
    left without an administrator. The organization first, then the person, always: one query
    locking both (a join) takes them in no fixed order, and two such deadlocked."""
    lock_one(Organization.objects.all(), pk=membership.organization_id)
    return lock_one(Membership.objects.select_related("organization", "user"), pk=membership.pk)


@transaction.atomic
def person_update(
    *, membership: Membership, role: str, locations: list[Location], by: User, request=None
) -> Membership:
    """Change a person's role in the organization, and where a vaccinator works."""
    membership = _locked_with_organization(membership)
    organization = membership.organization
    if role not in ORGANIZATION_ROLES[organization.kind]:
        raise EnrollmentError(_("This role doesn't exist in this organization."))
    if any(location.organization_id != organization.pk for location in locations):
        raise EnrollmentError(_("A location of another organization can't be assigned."))
    if (
        membership.role == ADMIN_ROLE[organization.kind]
        and role != membership.role
        and not _other_admins_exist(membership)
    ):
        raise EnrollmentError(_("The organization needs at least one administrator."))
    if role != membership.role:
        membership = membership_grant(user=membership.user, organization=organization, role=Role(role), by=by)
    _remove_location_permissions(membership)
    if role == Role.VACCINATOR:
        for location in locations:
            assign_perm(WORK_AT_LOCATION, membership.user, location)
    audit(
        action="enrollment.person.updated",
        by=by,
        target=membership,
        request=request,
        data={"role": role, "locations": sorted(location.pk for location in locations)},
    )
    return membership


@transaction.atomic
def person_remove(*, membership: Membership, by: User, request=None) -> None:
    """Remove a person's access to the organization: effective at their next request."""
    membership = _locked_with_organization(membership)
    if membership.role == ADMIN_ROLE[membership.organization.kind] and not _other_admins_exist(membership):
        raise EnrollmentError(_("The organization needs at least one administrator."))
    _remove_location_permissions(membership)
    membership_revoke(membership=membership, by=by)
