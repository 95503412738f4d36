"""Rules of the core that change data: accounts, roles and memberships."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from cvms.audit import audit
from cvms.models import Membership, User
from cvms.roles import Role


def role_groups_ensure() -> None:
    """Create the group of each role (also done by migration; kept for fresh test databases)."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    verified: bool = False,
) -> User:
    """Create a person's account; `verified` marks the e-mail address as confirmed."""
    user = User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name, language=language
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def role_grant(*, user: User, role: Role) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    user.__dict__.pop("roles", None)  # drop the cached roles


def role_revoke(*, user: User, role: Role) -> None:
    user.groups.remove(*Group.objects.filter(name=role.value))
    user.__dict__.pop("roles", None)


@transaction.atomic
def membership_grant(*, user: User, organization, role: Role, by: User | None) -> Membership:
    """Let `user` act for `organization` in `role` (replacing any earlier role there)."""
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    role_grant(user=user, role=role)
    audit(
        action="cvms.membership.granted",
        by=by,
        target=membership,
        data={"user": user.email, "organization": organization.pk, "role": role.value},
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User | None) -> None:
    """Remove a person's access to an organization; it takes effect at their next request,
    because every portal request re-reads the membership."""
    user, role = membership.user, membership.role
    audit(
        action="cvms.membership.revoked",
        by=by,
        target=membership,
        data={"user": user.email, "organization": membership.organization_id, "role": role},
    )
    membership.delete()
    if not Membership.objects.filter(user=user, role=role).exists():
        role_revoke(user=user, role=Role(role))
