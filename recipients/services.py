"""Rules that change recipients: registration (from an invitation or by oneself), contact details,
the state's switches (priority groups, self-registration), and merging duplicates.

Over 450 lines: registration, the state's switches and the merge all write the recipient's
row under the same locks; the merge is the first to move to its own module when this grows.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.hooks import contributions
from cvms.locking import lock_all, lock_one, lock_one_or_none
from cvms.models import User
from cvms.roles import Role
from cvms.services import role_grant, user_create
from employers.enums import InvitationProof, LinkState
from employers.interface import (
    InvitationInvalid,
    invitation_held_by,
    invitation_use,
    invitee_recipient_reassign,
)
from enrollment.models import PriorityGroup
from recipients.enums import RegistrationSource
from recipients.models import Recipient, RegistrationSettings

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


class MergeRefused(Exception):
    pass


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
    recipient = Recipient.objects.create(user=user, email=email, source=source, **_person_data(data))
    role_grant(user=user, role=Role.RECIPIENT)
    return recipient


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
    recipient = Recipient.objects.create(
        user=None, email=data.get("email", ""), source=RegistrationSource.STAFF, **_person_data(data)
    )
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
    *, recipient: Recipient, group: PriorityGroup, by: User, request=None
) -> Recipient:
    previous = recipient.priority_group_id
    recipient.priority_group = group
    recipient.updated_at = timezone.now()
    recipient.save(update_fields=["priority_group", "updated_at"])
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
def priority_group_open(*, group: PriorityGroup, by: User, request=None) -> PriorityGroup:
    """Open a priority group for booking and self-registration, in one audited action."""
    group = lock_one(PriorityGroup.objects.all(), pk=group.pk)
    if group.is_open:
        return group
    group.is_open = True
    group.opened_at = timezone.now()
    group.save(update_fields=["is_open", "opened_at"])
    audit(
        action="recipients.priority_group.opened",
        by=by,
        target=group,
        request=request,
        data={"code": group.code},
    )
    return group


@transaction.atomic
def priority_group_close(*, group: PriorityGroup, by: User, request=None) -> PriorityGroup:
    """Close a group again (booked appointments stay)."""
    group = lock_one(PriorityGroup.objects.all(), pk=group.pk)
    if not group.is_open:
        return group
    group.is_open = False
    group.save(update_fields=["is_open"])
    audit(
        action="recipients.priority_group.closed",
        by=by,
        target=group,
        request=request,
        data={"code": group.code},
    )
    return group


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


# --- Duplicates ------------------------------------------------------------------------------


@transaction.atomic
def recipient_merge(*, survivor: Recipient, duplicate: Recipient, by: User, request=None) -> Recipient:
    """Merge `duplicate` into `survivor`: every row that points at the duplicate (appointments,
    doses, whatever app owns them) is moved to the survivor, then the duplicate is deleted.

    The apps above recipients move their own rows through their own services first (the
    `recipients_merged` hook point, cvms/hooks.py): administration bumps the moved dose records'
    version so that the registry is sent them again. Recipients can't import those apps; for
    whatever relation no app claimed, it walks `Recipient._meta.related_objects`, which covers
    every foreign key to a recipient, including those of apps added later. Refused when both hold
    an active appointment for the same dose (a constraint of the appointments): cancel one first.
    """
    if survivor.pk == duplicate.pk:
        raise MergeRefused(_("A record can't be merged into itself."))
    # Lock both rows in a fixed order (lowest id first) so two merges can't deadlock.
    locked = {r.pk: r for r in lock_all(Recipient.objects.filter(pk__in=[survivor.pk, duplicate.pk]))}
    if len(locked) != 2:
        raise MergeRefused(_("One of the records no longer exists."))
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    moved: dict[str, int] = {}
    for moves in contributions("recipients_merged"):
        moved.update(moves(survivor=survivor, duplicate=duplicate, by=by, request=request))
    try:
        with transaction.atomic():
            for relation in Recipient._meta.related_objects:
                moved.update(_repoint(relation, survivor=survivor, duplicate=duplicate))
    except IntegrityError:
        raise MergeRefused(
            _("Two rows of the records can't both stay with one person. Correct one of them, then merge.")
        ) from None
    # Roster entries (employers) point at recipients by id, not by foreign key: the employers app
    # re-points them.
    invitee_ids = invitee_recipient_reassign(
        from_recipient_id=duplicate.pk, to_recipient_id=survivor.pk, by=by, request=request
    )
    duplicate_user = duplicate.user
    snapshot = {
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.full_name,
        "duplicate_email": duplicate.email,
        "duplicate_user": duplicate.user_id,
        "moved": moved,
        "invitees_of_duplicate": invitee_ids,
    }
    _own_m2m(survivor, duplicate)
    duplicate.delete()
    if survivor.user_id is None and duplicate_user is not None:
        survivor.user = duplicate_user
    for name in ("middle_name", "occupation", "street_2"):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    if survivor.priority_group_id is None:
        survivor.priority_group_id = duplicate.priority_group_id
    survivor.updated_at = timezone.now()
    survivor.save()
    audit(action="recipients.recipient.merged", by=by, target=survivor, request=request, data=snapshot)
    return survivor


def _repoint(relation, *, survivor: Recipient, duplicate: Recipient) -> dict[str, int]:
    """Move the rows of one reverse relation from the duplicate to the survivor."""
    if relation.many_to_many:
        # A ManyToManyField on another model pointing at recipients: move the through rows,
        # skipping those the survivor already has.
        through = relation.through
        source = relation.field.m2m_field_name()
        target = relation.field.m2m_reverse_field_name()
        already = through.objects.filter(**{target: survivor}).values_list(source, flat=True)
        rows = through.objects.filter(**{target: duplicate})
        rows.filter(**{f"{source}__in": list(already)}).delete()
        return {relation.related_model._meta.label_lower: rows.update(**{target: survivor})}
    if relation.one_to_one:
        # A one-to-one row (a profile): keep the survivor's if it has one.
        model = relation.related_model
        if model._default_manager.filter(**{relation.field.name: survivor}).exists():
            return {}
    model = relation.related_model
    manager = model._base_manager
    count = manager.filter(**{relation.field.name: duplicate}).update(**{relation.field.name: survivor})
    return {model._meta.label_lower: count} if count else {}


# The Recipient's own many-to-many fields (invited_by) are copied here, not by related_objects.
def _own_m2m(survivor: Recipient, duplicate: Recipient) -> None:
    for field in Recipient._meta.many_to_many:
        getattr(survivor, field.name).add(*getattr(duplicate, field.name).all())
