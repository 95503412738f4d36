from django.contrib.auth.models import Group

from cvms.access import portals_for
from cvms.roles import (
    MFA_REQUIRED_ROLES,
    ORGANIZATION_APPROVED,
    ORGANIZATION_PORTALS,
    Portal,
    Role,
    organization_portal,
)
from enrollment.enums import OrganizationKind, OrganizationStatus
from tests.factories import UserFactory


def test_every_role_has_its_group_after_migrating(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_helpdesk_requester_opens_only_the_helpdesk_portal_without_mfa(db):
    requester = UserFactory(roles=[Role.HELPDESK_REQUESTER])

    assert portals_for(requester) == [Portal.HELPDESK]
    assert Role.HELPDESK_REQUESTER not in MFA_REQUIRED_ROLES


def test_the_cores_organization_values_are_enrollments_enum_values():
    assert sorted(ORGANIZATION_PORTALS.values()) == sorted(OrganizationKind.values)
    assert ORGANIZATION_APPROVED == OrganizationStatus.APPROVED
    assert organization_portal(OrganizationKind.PROVIDER) == Portal.PROVIDER
    assert organization_portal(OrganizationKind.EMPLOYER) == Portal.EMPLOYER
