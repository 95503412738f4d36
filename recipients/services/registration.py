"""Rules that change recipients: registration (from an invitation, by oneself, by staff), contact
details, the person's priority group (with their attestation), and the self-registration switch."""

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_one_or_none
from cvms.models import User
from cvms.roles import Role
from cvms.services import role_grant, user_create
from employers.enums import InvitationProof, LinkState
from employers.interface import (
    InvitationInvalid,
    invitation_held_by,
    invitation_use,
)
from enrollment.models import PriorityGroup
from recipients.enums import RegistrationSource
from recipients.models import Attestation, Recipient, RegistrationSettings
from recipients.selectors import attestation_statement, group_age_refusal
from recipients.services.duplicates import duplicates_refresh

# The fields a person fills in (the form's cleaned data); the e-mail comes from the invitation or
# the account, not from the form.
PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "sex",
    "races",
    "ethnicity",
    "phone",
    "street",
    "street_2",
    "city",
    "state",
    "zip_code",
    "country",
    "county",
    "language",
    "priority_group",
    "occupation",
    "comorbidity",
    "guardian_first_name",
    "guardian_last_name",
    "guardian_relationship",
    "screening_answers",
)
CONTACT_FIELDS = ("email", "phone", "street", "street_2", "city", "state", "zip_code", "county", "language")
# What the immunization registry and the CDC receive about the person with each dose: a change
# of any of them sends the person's reported doses again (administration reads
# `registry_details_changed_at`).
REGISTRY_FIELDS = frozenset(
    {
        "first_name",
        "middle_name",
        "last_name",
        "date_of_birth",
        "sex",
        "races",
        "ethnicity",
        "phone",
        "street",
        "street_2",
        "city",
        "state",
        "zip_code",
        "country",
        "county",
        "comorbidity",
        "guardian_first_name",
        "guardian_last_name",
        "guardian_relationship",
    }
)


class RegistrationRefused(Exception):
    """A registration that can't be done; the message says why and what to do instead.
    `code`: "invitation_used", "invitation_expired", "invitation_invalid", "sign_in",
    "other_account", "not_proven", "already_registered", "self_registration_closed"."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class GroupRefused(RegistrationRefused):
    """The person doesn't belong to the priority group chosen: their age is outside its range,
    or they haven't attested what the group asks."""

    def __init__(self, message: str):
        super().__init__(message, "group_refused")


INVITATION_STATE_MESSAGES = {
    LinkState.USED: (
        "invitation_used",
        lambda: _("This invitation link has already been used. Sign in instead."),
    ),
    LinkState.EXPIRED: (
        "invitation_expired",
        lambda: _("This invitation link has expired. Ask the organization that invited you for a new one."),
    ),
    LinkState.REVOKED: (
        "invitation_invalid",
        lambda: _("This invitation link was withdrawn. Ask the organization that invited you for a new one."),
    ),
    LinkState.UNSENT: ("invitation_invalid", lambda: _("This invitation link is not valid.")),
}


def _refuse_invitation(state: LinkState):
    code, message = INVITATION_STATE_MESSAGES.get(state, INVITATION_STATE_MESSAGES[LinkState.UNSENT])
    raise RegistrationRefused(message(), code)


def _person_data(data: dict) -> dict:
    return {name: data[name] for name in PERSON_FIELDS if name in data}


def _recipient_create(*, user: User, email: str, data: dict, source: str) -> Recipient:
    group_membership_check(
        group=data.get("priority_group"),
        date_of_birth=data["date_of_birth"],
        attested=data.get("attested", False),
    )
    recipient = Recipient.objects.create(user=user, email=email, source=source, **_person_data(data))
    role_grant(user=user, role=Role.RECIPIENT)
    _attestation_record(recipient=recipient, detail=data.get("occupation", ""), by=user)
    duplicates_refresh(recipient_ids=[recipient.pk])
    return recipient


# --- Eligibility: who belongs to a priority group ---------------------------------------------


def group_membership_check(*, group: PriorityGroup | None, date_of_birth, attested: bool) -> None:
    """Refuse a group the person doesn't belong to: their age (from the date of birth) outside
    its range, or a group of occupations, conditions or settings without their attestation."""
    if group is None:
        return
    if refusal := group_age_refusal(group, date_of_birth=date_of_birth):
        raise GroupRefused(refusal)
    if group.attestation and not attested:
        raise GroupRefused(
            _("Group %(code)s is for people who confirm that it describes them: tick the confirmation.")
            % {"code": group.code}
        )


def _attestation_record(*, recipient: Recipient, detail: str, by: User | None) -> Attestation | None:
    """Keep the person's word for their group (who, what, when), in the words they read."""
    group = recipient.priority_group
    if group is None or not group.attestation:
        return None
    with translation.override(recipient.language):
        statement = attestation_statement(group)
    return Attestation.objects.create(
        recipient=recipient,
        priority_group=group,
        kind=group.attestation,
        statement=statement,
        detail=(detail or "")[:200],
        attested_by=by if by is not None and by.is_authenticated else None,
    )


def _invitation_link(*, invitation, recipient: Recipient, by: User, request=None) -> None:
    """Use the invitation for `recipient`; a link used or expired meanwhile refuses the whole
    registration (the caller's transaction rolls back)."""
    try:
        invitation_use(invitation=invitation, recipient_id=recipient.pk, by=by, request=request)
    except InvitationInvalid as refused:
        _refuse_invitation(refused.state)
    recipient.invited_by.add(invitation.invitee.organization_id)


@transaction.atomic
def recipient_register_from_invitation(
    *,
    invitation,
    data: dict,
    password: str | None,
    user: User | None = None,
    proven_by: InvitationProof | None = None,
    request=None,
) -> Recipient:
    """Register the person an invitation was sent to. Only that person may use it (a link can
    be forwarded): signed in, their account's verified address must be the invited one;
    otherwise the holder has proved it is theirs (`proven_by`: a code e-mailed to the invited
    address, or the date of birth on the roster, checked through `employers.interface`).

    - Signed in and already registered: the invitation is linked to their record; one person
      invited by two organizations keeps one record.
    - Signed in, not registered yet: a record is made for their account.
    - Not signed in: an account is made with the invited e-mail and `password` (its address
      counts as verified when the e-mailed code proved it); if that address already has an
      account, the person must sign in first.
    """
    state = invitation.link_state()
    if state != LinkState.VALID:
        _refuse_invitation(state)
    email = invitation.invitee.email.lower()
    signed_in = user is not None and user.is_authenticated
    if signed_in and invitation_held_by(invitation=invitation, user=user):
        proven_by = InvitationProof.ACCOUNT
    elif signed_in and user.email.lower() != email:
        raise RegistrationRefused(
            _("This invitation was sent to another e-mail address. Sign out to use it."), "other_account"
        )
    elif proven_by not in (InvitationProof.EMAIL, InvitationProof.DATE_OF_BIRTH):
        raise RegistrationRefused(_("Show that the invitation is yours first."), "not_proven")
    if user is not None and user.is_authenticated:
        existing = Recipient.objects.filter(user=user).first()
        if existing is not None:
            _invitation_link(invitation=invitation, recipient=existing, by=user, request=request)
            audit(
                action="recipients.recipient.invitation_linked",
                by=user,
                target=existing,
                request=request,
                data={"invitation": invitation.pk, "organization": invitation.invitee.organization_id},
            )
            return existing
        recipient = _recipient_create(
            user=user, email=user.email, data=data, source=RegistrationSource.INVITATION
        )
    else:
        if User.objects.filter(email__iexact=email).exists():
            raise RegistrationRefused(
                _("An account already exists for %(email)s. Sign in, then open the invitation link again.")
                % {"email": email},
                "sign_in",
            )
        user = user_create(
            email=email,
            password=password,
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=data.get("language", "en"),
            # Proved by the code mailed there; a date of birth proves the person, not the address
            # (allauth asks to confirm it at the next sign-in).
            verified=proven_by == InvitationProof.EMAIL,
        )
        recipient = _recipient_create(user=user, email=email, data=data, source=RegistrationSource.INVITATION)
    _invitation_link(invitation=invitation, recipient=recipient, by=user, request=request)
    audit(
        action="recipients.recipient.registered",
        by=user,
        target=recipient,
        request=request,
        data={"source": "invitation", "invitation": invitation.pk, "proven_by": proven_by},
    )
    return recipient


@transaction.atomic
def recipient_self_register(*, user: User, data: dict, request=None) -> Recipient:
    """A signed-in person registers without an invitation, when the state has opened
    self-registration; they state their priority group."""
    # Lock the settings row: a registration racing with the state closing self-registration
    # either finishes before the switch or is refused.
    settings = lock_one_or_none(RegistrationSettings.objects.all(), pk=1)
    if settings is None or not settings.self_registration_open:
        raise RegistrationRefused(
            _(
                "Self-registration is not open. You can register from an invitation link sent by "
                "your employer or your care provider."
            ),
            "self_registration_closed",
        )
    if Recipient.objects.filter(user=user).exists():
        raise RegistrationRefused(_("You are already registered."), "already_registered")
    try:
        with transaction.atomic():
            recipient = _recipient_create(
                user=user, email=user.email, data=data, source=RegistrationSource.SELF
            )
    except IntegrityError:  # a second tab registering at the same moment
        raise RegistrationRefused(_("You are already registered."), "already_registered") from None
    audit(
        action="recipients.recipient.registered",
        by=user,
        target=recipient,
        request=request,
        data={"source": "self", "priority_group": recipient.priority_group_id},
    )
    return recipient


@transaction.atomic
def recipient_create_by_staff(*, data: dict, by: User, request=None) -> Recipient:
    """A person registered by a provider's staff (a walk-in, a paper form back-filled), without a
    login: they can claim their record later. The caller has looked for the person first."""
    group_membership_check(
        group=data.get("priority_group"),
        date_of_birth=data["date_of_birth"],
        attested=data.get("attested", False),
    )
    recipient = Recipient.objects.create(
        user=None, email=data.get("email", ""), source=RegistrationSource.STAFF, **_person_data(data)
    )
    _attestation_record(recipient=recipient, detail=data.get("occupation", ""), by=by)
    duplicates_refresh(recipient_ids=[recipient.pk])
    audit(
        action="recipients.recipient.registered",
        by=by,
        target=recipient,
        request=request,
        data={"source": "staff"},
    )
    return recipient


@transaction.atomic
def recipient_update_contact(*, recipient: Recipient, data: dict, by: User, request=None) -> Recipient:
    """The person keeps their contact details current (never their recorded doses)."""
    changed = [name for name in CONTACT_FIELDS if name in data and getattr(recipient, name) != data[name]]
    for name in changed:
        setattr(recipient, name, data[name])
    recipient.updated_at = timezone.now()
    touched = ["updated_at"]
    if REGISTRY_FIELDS.intersection(changed):
        recipient.registry_details_changed_at = recipient.updated_at
        touched.append("registry_details_changed_at")
    recipient.save(update_fields=[*changed, *touched])
    if Recipient.KEY_SOURCES.intersection(changed):
        duplicates_refresh(recipient_ids=[recipient.pk])
    audit(
        action="recipients.recipient.contact_updated",
        by=by,
        target=recipient,
        request=request,
        data={"fields": changed},
    )
    return recipient


@transaction.atomic
def recipient_priority_group_set(
    *,
    recipient: Recipient,
    group: PriorityGroup,
    by: User,
    attested: bool = False,
    detail: str = "",
    request=None,
) -> Recipient:
    """The person (or staff on their word) says which group describes them: refused when their
    age is outside it or they don't attest what it asks (`GroupRefused`)."""
    group_membership_check(group=group, date_of_birth=recipient.date_of_birth, attested=attested)
    previous = recipient.priority_group_id
    recipient.priority_group = group
    recipient.updated_at = timezone.now()
    recipient.save(update_fields=["priority_group", "updated_at"])
    _attestation_record(recipient=recipient, detail=detail, by=by)
    audit(
        action="recipients.recipient.priority_group_set",
        by=by,
        target=recipient,
        request=request,
        data={"from": previous, "to": group.pk},
    )
    return recipient


def recipient_viewed(*, recipient: Recipient, by: User, request=None, what: str = "record") -> None:
    """Staff saw a person's record: every such view is on the audit trail."""
    audit(action="recipients.recipient.viewed", by=by, target=recipient, request=request, data={"what": what})


# --- The state's switches --------------------------------------------------------------------


@transaction.atomic
def self_registration_set(*, is_open: bool, by: User, request=None) -> RegistrationSettings:
    # The one row of switches is made by the migrations (0002); made here if someone deleted it.
    settings = lock_one_or_none(RegistrationSettings.objects.all(), pk=1) or RegistrationSettings(pk=1)
    settings.self_registration_open = is_open
    settings.changed_at = timezone.now()
    settings.save()
    audit(
        action="recipients.self_registration.opened" if is_open else "recipients.self_registration.closed",
        by=by,
        target=settings,
        request=request,
    )
    return settings
