"""Rules that change enrollment data: applications from draft to decision, PINs, organizations'
status, their people and where vaccinators work."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.models import Membership, User
from cvms.roles import Role
from cvms.services import membership_grant, membership_revoke
from enrollment.enums import (
    ApplicationStatus,
    DecisionAction,
    InvitationStatus,
    OrganizationKind,
    OrganizationStatus,
)
from enrollment.models import (
    ApplicationEvent,
    ApplicationLocation,
    EnrollmentApplication,
    Invitation,
    IssuedPin,
    Location,
    Organization,
)
from enrollment.selectors import (
    ADMIN_ROLE,
    ORGANIZATION_ROLES,
    application_problems,
    pin_taken,
)

WORK_AT_LOCATION = "enrollment.work_at_location"
INVITATION_SALT = "enrollment.invitation"
INVITATION_MAX_AGE = timedelta(days=7)
# New PINs are drawn from here up when the database has no sequence (SQLite, the quick start).
FIRST_NEW_PIN = 651000


class EnrollmentError(Exception):
    """A rule refused the change; the message is for the person who asked."""


@dataclass
class ApplicationIncomplete(EnrollmentError):
    """The application can't be submitted: `problems` lists (field label, message)."""

    problems: list[tuple[str, str]]

    def __str__(self) -> str:
        return "; ".join(f"{label}: {message}" for label, message in self.problems)


# --- Applications: the applicant's side -------------------------------------------------------


@transaction.atomic
def application_start(*, kind: str, by: User) -> EnrollmentApplication:
    application = EnrollmentApplication.objects.create(
        applicant=by, kind=kind, contact_name=by.get_full_name(), contact_email=by.email
    )
    audit(action="enrollment.application.started", by=by, target=application, data={"kind": kind})
    return application


def _locked_editable(application: EnrollmentApplication, by: User) -> EnrollmentApplication:
    locked = EnrollmentApplication.objects.select_for_update().get(pk=application.pk)
    if locked.applicant_id != by.pk:
        raise EnrollmentError(_("Only the applicant can change this application."))
    if not locked.is_editable:
        raise EnrollmentError(_("This application is with the state for review and can't be changed now."))
    return locked


def _touch(application: EnrollmentApplication) -> None:
    application.version = F("version") + 1
    application.updated_at = timezone.now()
    application.save()
    application.refresh_from_db()


@transaction.atomic
def application_update(*, application: EnrollmentApplication, data: dict, by: User) -> EnrollmentApplication:
    """Save the answers of one step (`data`: field name → value) as the draft."""
    locked = _locked_editable(application, by)
    for name, value in data.items():
        setattr(locked, name, value)
    _touch(locked)
    return locked


@transaction.atomic
def application_locations_replace(
    *, application: EnrollmentApplication, locations: list[dict], by: User
) -> EnrollmentApplication:
    """Replace the application's locations by `locations` (each a dict of field values)."""
    locked = _locked_editable(application, by)
    locked.locations.all().delete()
    ApplicationLocation.objects.bulk_create(
        [ApplicationLocation(application=locked, **row) for row in locations]
    )
    _touch(locked)
    return locked


@transaction.atomic
def application_submit(
    *, application: EnrollmentApplication, attested_name: str, by: User
) -> EnrollmentApplication:
    """Check every answer and send the application to the state; on any problem nothing
    changes (the draft stays as it was) and `ApplicationIncomplete` lists them."""
    locked = _locked_editable(application, by)
    locked.attested_name = attested_name.strip()
    problems = application_problems(locked)
    if problems:
        raise ApplicationIncomplete(problems)
    resubmission = locked.status == ApplicationStatus.INFO_REQUESTED
    now = timezone.now()
    locked.status = ApplicationStatus.SUBMITTED
    locked.attested_at = now
    # A resubmission keeps its place in the queue.
    locked.submitted_at = locked.submitted_at or now
    _touch(locked)
    ApplicationEvent.objects.create(application=locked, action=DecisionAction.SUBMITTED, by=by, at=now)
    audit(
        action="enrollment.application.resubmitted" if resubmission else "enrollment.application.submitted",
        by=by,
        target=locked,
    )
    return locked


# --- Applications: the state's decisions ------------------------------------------------------


def _locked_for_decision(application: EnrollmentApplication, version: int) -> EnrollmentApplication:
    # The row lock makes two reviewers deciding at once take turns; the second then finds the
    # application decided (or changed, by its version) and is refused.
    locked = EnrollmentApplication.objects.select_for_update().get(pk=application.pk)
    if not locked.is_reviewable:
        raise EnrollmentError(
            _("This application has already been decided (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    if locked.version != version:
        raise EnrollmentError(_("This application changed while you were reading it. Review it again."))
    return locked


def _decide(locked: EnrollmentApplication, *, status: str, notes: str, by: User) -> None:
    now = timezone.now()
    locked.status = status
    locked.decision_notes = notes
    locked.decided_at = now
    locked.decided_by = by
    _touch(locked)
    ApplicationEvent.objects.create(application=locked, action=status, by=by, at=now, notes=notes)


@transaction.atomic
def application_approve(
    *, application: EnrollmentApplication, version: int, by: User, request=None
) -> EnrollmentApplication:
    """Create the organization (and for a provider its PIN and active locations) and make the
    applicant its administrator."""
    locked = _locked_for_decision(application, version)
    if locked.tax_id and Organization.objects.filter(tax_id=locked.tax_id).exists():
        raise EnrollmentError(_("An organization with this EIN or tax id is already enrolled."))
    organization = Organization.objects.create(
        name=locked.legal_name, kind=locked.kind, status=OrganizationStatus.APPROVED, tax_id=locked.tax_id
    )
    if locked.kind == OrganizationKind.PROVIDER:
        organization.pin = pin_issue(organization=organization, vfc_pin=locked.vfc_pin)
        organization.save(update_fields=["pin"])
        Location.objects.bulk_create(
            [
                Location(
                    organization=organization,
                    is_active=True,
                    **{
                        field: getattr(place, field)
                        for field in (
                            "name",
                            "address",
                            "city",
                            "zip_code",
                            "county_id",
                            "site_type",
                            "hours",
                            "weekly_throughput",
                            "ultra_cold_capacity",
                            "frozen_capacity",
                            "refrigerated_capacity",
                        )
                    },
                )
                for place in locked.locations.all()
            ]
        )
    locked.organization = organization
    _decide(locked, status=ApplicationStatus.APPROVED, notes="", by=by)
    membership_grant(user=locked.applicant, organization=organization, role=ADMIN_ROLE[locked.kind], by=by)
    audit(
        action="enrollment.application.approved",
        by=by,
        target=locked,
        request=request,
        data={"organization": organization.pk, "pin": organization.pin},
    )
    _notify_decision(locked)
    return locked


@transaction.atomic
def application_deny(
    *, application: EnrollmentApplication, version: int, reason: str, by: User, request=None
) -> EnrollmentApplication:
    if not reason.strip():
        raise EnrollmentError(_("Give the reason for the denial: the applicant will read it."))
    locked = _locked_for_decision(application, version)
    _decide(locked, status=ApplicationStatus.DENIED, notes=reason.strip(), by=by)
    audit(
        action="enrollment.application.denied", by=by, target=locked, request=request, data={"reason": reason}
    )
    _notify_decision(locked)
    return locked


@transaction.atomic
def application_request_info(
    *, application: EnrollmentApplication, version: int, notes: str, by: User, request=None
) -> EnrollmentApplication:
    if not notes.strip():
        raise EnrollmentError(_("Say what more you need: the applicant will read it."))
    locked = _locked_for_decision(application, version)
    _decide(locked, status=ApplicationStatus.INFO_REQUESTED, notes=notes.strip(), by=by)
    audit(
        action="enrollment.application.info_requested",
        by=by,
        target=locked,
        request=request,
        data={"notes": notes},
    )
    _notify_decision(locked)
    return locked


def _notify_decision(application: EnrollmentApplication) -> None:
    applicant = application.applicant
    name = application.legal_name
    with translation.override(applicant.language):
        if application.status == ApplicationStatus.APPROVED:
            portal = "provider" if application.kind == OrganizationKind.PROVIDER else "employer"
            subject = _("Your enrollment of %(name)s is approved") % {"name": name}
            paragraphs = [_("The state approved the enrollment of %(name)s.") % {"name": name}]
            if application.organization.pin:
                paragraphs.append(
                    _("Your provider PIN is %(pin)s. Use it with the helpdesk and in state reporting.")
                    % {"pin": application.organization.pin}
                )
            paragraphs.append(_("You are its administrator: sign in to invite your colleagues."))
            action_url, action_label = (
                settings.SITE_URL + reverse(f"{portal}:dashboard"),
                _("Open the portal"),
            )
        else:
            portal = "provider" if application.kind == OrganizationKind.PROVIDER else "employer"
            action_url = settings.SITE_URL + reverse(
                f"{portal}:enrollment.application", kwargs={"application_pk": application.pk}
            )
            if application.status == ApplicationStatus.DENIED:
                subject = _("Your enrollment of %(name)s was denied") % {"name": name}
                paragraphs = [
                    _("The state denied the enrollment of %(name)s, for this reason:") % {"name": name},
                    application.decision_notes,
                ]
                action_label = _("See the application")
            else:
                subject = _("The state needs more information about %(name)s") % {"name": name}
                paragraphs = [
                    _("The state reviewed the enrollment of %(name)s and asks:") % {"name": name},
                    application.decision_notes,
                    _("Edit your application and submit it again."),
                ]
                action_label = _("Edit the application")
        context = {
            "subject": subject,
            "name": applicant.get_short_name(),
            "paragraphs": paragraphs,
            "action_url": action_url,
            "action_label": action_label,
        }
    send_templated_email(to=applicant.email, template="notice", context=context, language=applicant.language)


# --- PINs -------------------------------------------------------------------------------------


def _next_pin_number(after: int = 0) -> int:
    """The next number to try, past `after` (the last one found taken)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('enrollment_pin_seq')")
            return cursor.fetchone()[0]
    # SQLite serializes writers, so the largest issued number plus one is safe there; past a
    # taken one, since nothing was issued that would move the largest on.
    top = IssuedPin.objects.filter(from_vfc=False).aggregate(top=Max("number"))["top"]
    return max(top or 0, FIRST_NEW_PIN - 1, after) + 1


def pin_issue(*, organization: Organization, vfc_pin: str = "") -> str:
    """Issue the provider's PIN: NCA and its VFC PIN when it has one, otherwise the next number
    never issued before. Each issued number is a row of `IssuedPin` (its primary key), so two
    approvals can't issue one number twice."""
    if vfc_pin:
        if pin_taken(vfc_pin):
            raise EnrollmentError(
                _("The VFC PIN %(pin)s is already the PIN of another provider.") % {"pin": vfc_pin}
            )
        try:
            with transaction.atomic():
                IssuedPin.objects.create(number=int(vfc_pin), organization=organization, from_vfc=True)
        except IntegrityError:
            raise EnrollmentError(
                _("The VFC PIN %(pin)s is already the PIN of another provider.") % {"pin": vfc_pin}
            ) from None
        return f"NCA{vfc_pin}"
    number = _next_pin_number()
    while True:
        if not pin_taken(f"{number:06d}"):  # else a VFC PIN or an organization enrolled before CVMS
            try:
                with transaction.atomic():
                    IssuedPin.objects.create(number=number, organization=organization)
                return f"NCA{number:06d}"
            except IntegrityError:
                pass
        number = _next_pin_number(after=number)


# --- Organizations ----------------------------------------------------------------------------


@transaction.atomic
def organization_suspend(*, organization: Organization, by: User, request=None) -> Organization:
    """Close the portal to the organization's people at their next request; their records stay."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status != OrganizationStatus.APPROVED:
        raise EnrollmentError(_("Only an approved organization can be suspended."))
    locked.status = OrganizationStatus.SUSPENDED
    locked.save(update_fields=["status"])
    audit(action="enrollment.organization.suspended", by=by, target=locked, request=request)
    return locked


@transaction.atomic
def organization_reinstate(*, organization: Organization, by: User, request=None) -> Organization:
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status != OrganizationStatus.SUSPENDED:
        raise EnrollmentError(_("Only a suspended organization can be reinstated."))
    locked.status = OrganizationStatus.APPROVED
    locked.save(update_fields=["status"])
    audit(action="enrollment.organization.reinstated", by=by, target=locked, request=request)
    return locked


# --- People of an organization ----------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse(
        "enrollment.invitation", kwargs={"token": invitation_token(invitation)}
    )


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link points at; `EnrollmentError` if the link is forged,
    expired, used or cancelled."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise EnrollmentError(_("This invitation has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise EnrollmentError(_("This invitation link isn't valid.")) from None
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(pk=payload.get("i"), nonce=payload.get("n"))
        .first()
    )
    if invitation is None or invitation.status == InvitationStatus.CANCELLED:
        raise EnrollmentError(_("This invitation was withdrawn."))
    if invitation.status == InvitationStatus.ACCEPTED:
        raise EnrollmentError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise EnrollmentError(_("This invitation has expired. Ask for a new one."))
    return invitation


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, by: User, request=None
) -> Invitation:
    email = email.strip().lower()
    if role not in ORGANIZATION_ROLES[organization.kind]:
        raise EnrollmentError(_("This role doesn't exist in this organization."))
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise EnrollmentError(_("%(email)s already acts for this organization.") % {"email": email})
    # A new invitation replaces a pending one to the same address (its link stops working).
    Invitation.objects.filter(organization=organization, email=email, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.CANCELLED
    )
    invitation = Invitation.objects.create(
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
def invitation_accept(*, invitation: Invitation, user: User, request=None) -> Membership:
    locked = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING or locked.expires_at <= timezone.now():
        raise EnrollmentError(_("This invitation can no longer be used."))
    if not EmailAddress.objects.filter(user=user, email__iexact=locked.email, verified=True).exists():
        raise EnrollmentError(
            _("This invitation is for %(email)s. Sign in with that address (confirmed) to accept it.")
            % {"email": locked.email}
        )
    locked.status = InvitationStatus.ACCEPTED
    locked.accepted_by = user
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["status", "accepted_by", "accepted_at"])
    membership = membership_grant(
        user=user, organization=locked.organization, role=Role(locked.role), by=user
    )
    audit(action="enrollment.invitation.accepted", by=user, target=locked, request=request)
    return membership


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, by: User, request=None) -> None:
    updated = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.CANCELLED
    )
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


@transaction.atomic
def person_update(
    *, membership: Membership, role: str, locations: list[Location], by: User, request=None
) -> Membership:
    """Change a person's role in the organization, and where a vaccinator works."""
    membership = (
        Membership.objects.select_for_update().select_related("organization", "user").get(pk=membership.pk)
    )
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
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.role == ADMIN_ROLE[membership.organization.kind] and not _other_admins_exist(membership):
        raise EnrollmentError(_("The organization needs at least one administrator."))
    _remove_location_permissions(membership)
    membership_revoke(membership=membership, by=by)
