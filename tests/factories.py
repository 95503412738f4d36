"""factory-boy factories and the personas used across the suite."""

from dataclasses import dataclass

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from cvms.auditchain import GENESIS, SEALED_FIELDS, chain_hash
from cvms.models import AuditEvent, AuditSeal, Membership, OutboundEmail, OutboxTask, User
from cvms.roles import MFA_REQUIRED_ROLES, Role
from enrollment.models import Organization

# The enrollment app's factories: the personas need them, and much of the suite imports them
# from here.
from tests.enrollment.factories import EmployerFactory as EmployerFactory
from tests.enrollment.factories import LocationFactory as LocationFactory
from tests.enrollment.factories import OrganizationFactory as OrganizationFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            group, _ = Group.objects.get_or_create(name=Role(role).value)
            self.groups.add(group)
            if role in MFA_REQUIRED_ROLES:
                TOTP.activate(self, generate_totp_secret())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.PROVIDER_ADMIN


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit event as `cvms.audit.audit` writes one (append-only: made, never changed)."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_email = factory.LazyAttribute(lambda o: o.actor.email if o.actor else "")
    action = "test.thing.done"
    target_type = "cvms.user"
    target_id = factory.LazyAttribute(lambda o: str(o.actor.pk) if o.actor else "")
    ip_address = "192.0.2.1"


class AuditSealFactory(factory.django.DjangoModelFactory):
    """The chain's next link over a new event, as `cvms.auditchain.audit_seal` makes it (so the
    chain still verifies)."""

    class Meta:
        model = AuditSeal

    event = factory.SubFactory(AuditEventFactory)
    seq = factory.LazyFunction(
        lambda: (AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    )
    chain_hash = factory.LazyAttribute(
        lambda o: chain_hash(
            AuditSeal.objects.order_by("-seq").values_list("chain_hash", flat=True).first() or GENESIS,
            AuditEvent.objects.filter(pk=o.event.pk).values(*SEALED_FIELDS).get(),
        )
    )


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """An e-mail waiting in the outbox, as `cvms.emails.enqueue_email` writes one."""

    class Meta:
        model = OutboundEmail

    to = factory.Sequence(lambda n: [f"someone{n}@example.org"])
    subject = "Your appointment"
    text = "See you on Monday."


class OutboxTaskFactory(factory.django.DjangoModelFactory):
    """A promised task, not yet published (`cvms.outbox.enqueue`)."""

    class Meta:
        model = OutboxTask

    task = "cvms.tasks.send_email"
    kwargs = factory.LazyFunction(lambda: {"email_id": 1})


def operator(**user_fields) -> User:
    """A system operator (Django admin): staff and superuser, with the second factor the admin
    requires."""
    user = UserFactory(is_staff=True, is_superuser=True, **user_fields)
    TOTP.activate(user, generate_totp_secret())
    return user


def member(organization: Organization, role: Role, **user_fields) -> User:
    """A user holding `role` in `organization`."""
    user = UserFactory(roles=[role], **user_fields)
    MembershipFactory(user=user, organization=organization, role=role)
    return user


@dataclass
class Personas:
    """One user per role in "home" organizations, and the same roles in "other" ones.

    `home` and `other` map a role to its user; `organizations` names each side's provider and
    employer.
    """

    home: dict
    other: dict
    organizations: dict

    @classmethod
    def build(cls) -> "Personas":
        organizations = {
            "home_provider": OrganizationFactory(name="Home Clinic"),
            "home_employer": EmployerFactory(name="Home Employer"),
            "other_provider": OrganizationFactory(name="Other Clinic"),
            "other_employer": EmployerFactory(name="Other Employer"),
        }
        sides = {}
        for side in ("home", "other"):
            provider = organizations[f"{side}_provider"]
            employer = organizations[f"{side}_employer"]
            sides[side] = {
                Role.STATE_OFFICIAL: UserFactory(roles=[Role.STATE_OFFICIAL]),
                Role.PROVIDER_ADMIN: member(provider, Role.PROVIDER_ADMIN),
                Role.VACCINATOR: member(provider, Role.VACCINATOR),
                Role.EMPLOYER_ADMIN: member(employer, Role.EMPLOYER_ADMIN),
                Role.RECIPIENT: UserFactory(roles=[Role.RECIPIENT]),
                Role.HELPDESK_AGENT: UserFactory(roles=[Role.HELPDESK_AGENT]),
                Role.HELPDESK_REQUESTER: UserFactory(roles=[Role.HELPDESK_REQUESTER]),
            }
        return cls(home=sides["home"], other=sides["other"], organizations=organizations)
