"""Objects that enrollment URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Portal, Role
from tests.access_matrix import Owned
from tests.cvms.access_objects import home_organization
from tests.enrollment.factories import (
    ColleagueInvitationFactory,
    EmployerApplicationFactory,
    EnrollmentApplicationFactory,
    SubmittedApplicationFactory,
)
from tests.factories import MembershipFactory, UserFactory

STATE_OFFICIALS = frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")})


def application(personas, portal):
    """An application is seen by its applicant alone in the provider and employer portals, and by
    every state official in the state portal."""
    if portal == Portal.STATE:
        return Owned(SubmittedApplicationFactory().pk, owners=STATE_OFFICIALS)
    if portal == Portal.PROVIDER:
        built = EnrollmentApplicationFactory(applicant=personas.home[Role.PROVIDER_ADMIN])
        return Owned(built.pk, owners=frozenset({(Role.PROVIDER_ADMIN, "home")}))
    built = EmployerApplicationFactory(applicant=personas.home[Role.EMPLOYER_ADMIN])
    return Owned(built.pk, owners=frozenset({(Role.EMPLOYER_ADMIN, "home")}))


def organization(personas, portal):
    # Every state official sees every organization; in the organization portals it is the
    # home side's own (as the core's builder says).
    if portal == Portal.STATE:
        return Owned(personas.organizations["home_provider"].pk, owners=STATE_OFFICIALS)
    return home_organization(personas, portal)


organization.overrides = True  # extends the core's builder of the same name (see access_matrix.builders)


def membership(personas, portal):
    side = "home_provider" if portal == Portal.PROVIDER else "home_employer"
    role = Role.VACCINATOR if portal == Portal.PROVIDER else Role.EMPLOYER_ADMIN
    return MembershipFactory(
        user=UserFactory(roles=[role]), organization=personas.organizations[side], role=role
    ).pk


def invitation(personas, portal):
    side = "home_provider" if portal == Portal.PROVIDER else "home_employer"
    admin = Role.PROVIDER_ADMIN if portal == Portal.PROVIDER else Role.EMPLOYER_ADMIN
    return ColleagueInvitationFactory(
        organization=personas.organizations[side], invited_by=personas.home[admin]
    ).pk


BUILDERS = {
    "application_pk": application,
    "organization_pk": organization,
    "membership_pk": membership,
    "colleague_invitation_pk": invitation,
}
