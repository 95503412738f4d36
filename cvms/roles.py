"""The roles of CVMS and the portals they open.

A role is a Django group of the same name. Which organization a person acts for is a
`Membership`; which location a vaccinator may work at is a guardian object permission.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STATE_OFFICIAL = "state_official", _("State official")
    PROVIDER_ADMIN = "provider_admin", _("Provider administrator")
    VACCINATOR = "vaccinator", _("Vaccinator")
    EMPLOYER_ADMIN = "employer_admin", _("Employer administrator")
    RECIPIENT = "recipient", _("Recipient")
    HELPDESK_AGENT = "helpdesk_agent", _("Helpdesk agent")
    # A provider or organization that asks the helpdesk for help (registered by code).
    HELPDESK_REQUESTER = "helpdesk_requester", _("Helpdesk requester")


class Portal(models.TextChoices):
    """Each portal is a URL namespace; the value is also its URL prefix."""

    STATE = "state", _("State")
    PROVIDER = "provider", _("Provider")
    EMPLOYER = "employer", _("Employer")
    RECIPIENT = "me", _("My vaccination")
    HELPDESK = "help", _("Help")


PORTAL_ROLES: dict[Portal, frozenset[Role]] = {
    Portal.STATE: frozenset({Role.STATE_OFFICIAL}),
    Portal.PROVIDER: frozenset({Role.PROVIDER_ADMIN, Role.VACCINATOR}),
    Portal.EMPLOYER: frozenset({Role.EMPLOYER_ADMIN}),
    Portal.RECIPIENT: frozenset({Role.RECIPIENT}),
    Portal.HELPDESK: frozenset({Role.HELPDESK_AGENT, Role.HELPDESK_REQUESTER}),
}

# In these portals a person acts for an organization, through an active Membership; the value
# is the organization kind the portal serves. The kinds and the status below are enrollment's
# (OrganizationKind, OrganizationStatus.APPROVED), which the core can't import: written here as
# their values, and held equal to them by tests/cvms/test_roles.py.
ORGANIZATION_PORTALS: dict[Portal, str] = {
    Portal.PROVIDER: "provider",
    Portal.EMPLOYER: "employer",
}
# Only an approved organization's people may use its portal.
ORGANIZATION_APPROVED = "approved"

# These roles see many people's data: they must turn on two-factor authentication first.
MFA_REQUIRED_ROLES = frozenset({Role.STATE_OFFICIAL, Role.HELPDESK_AGENT})

# Role sets that views share as their `roles`, named once here so that a view says who may use it
# in words (`roles = PROVIDER_ADMINS`). The access matrix test doesn't read them: it has its own
# table of who may open each page (tests/access_expected.py).
PROVIDER_STAFF = frozenset({Role.PROVIDER_ADMIN, Role.VACCINATOR})
PROVIDER_ADMINS = frozenset({Role.PROVIDER_ADMIN})
HELPDESK_AGENTS = frozenset({Role.HELPDESK_AGENT})
HELPDESK_REQUESTERS = frozenset({Role.HELPDESK_REQUESTER})
# Both sides of a case: the requester who filed it and the agents of its team.
HELPDESK_CASE_PARTIES = frozenset({Role.HELPDESK_REQUESTER, Role.HELPDESK_AGENT})
# Live training: providers and requesters sign up; agents also see the list they publish.
TRAINING_ATTENDEES = frozenset({Role.HELPDESK_REQUESTER, Role.PROVIDER_ADMIN, Role.VACCINATOR})
TRAINING_AUDIENCE = TRAINING_ATTENDEES | {Role.HELPDESK_AGENT}


def organization_portal(kind: str) -> Portal:
    """The portal in which people act for an organization of this kind."""
    return next(portal for portal, served in ORGANIZATION_PORTALS.items() if served == kind)


def portal_of(role: Role) -> Portal:
    return next(portal for portal, roles in PORTAL_ROLES.items() if role in roles)
