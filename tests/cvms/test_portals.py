"""Landing on portals, acting for an organization, and losing access."""

from django.urls import reverse

from cvms.roles import Role
from cvms.services import membership_revoke, role_grant
from enrollment.enums import OrganizationStatus
from tests.factories import OrganizationFactory, member


def test_anonymous_visitor_sees_the_welcome_page(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()


def test_signed_in_person_without_a_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    response = client.get(reverse("home"))

    assert "doesn't give access to a portal yet" in response.content.decode()


def test_revoked_membership_takes_effect_at_the_next_request(client, personas):
    user = personas.home[Role.VACCINATOR]
    client.force_login(user)
    assert client.get(reverse("provider:dashboard")).status_code == 200

    membership_revoke(membership=user.memberships.get(), by=personas.home[Role.PROVIDER_ADMIN])

    assert client.get(reverse("provider:dashboard")).status_code == 403


def test_suspended_organizations_people_cant_use_the_portal(client, personas):
    organization = personas.organizations["home_provider"]
    client.force_login(personas.home[Role.PROVIDER_ADMIN])
    organization.status = OrganizationStatus.SUSPENDED
    organization.save()

    assert client.get(reverse("provider:dashboard")).status_code == 403


def test_person_of_two_organizations_switches_between_them(client, personas):
    user = personas.home[Role.PROVIDER_ADMIN]
    second = OrganizationFactory(name="Second Clinic")
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, organization=second, role=Role.PROVIDER_ADMIN)
    client.force_login(user)
    assert "Acting for Home Clinic" in client.get(reverse("provider:dashboard")).content.decode()

    response = client.post(reverse("provider:organization.switch", kwargs={"organization_pk": second.pk}))

    assert response["Location"] == reverse("provider:dashboard")
    assert "Acting for Second Clinic" in client.get(reverse("provider:dashboard")).content.decode()


def test_switching_to_an_organization_one_doesnt_belong_to_is_404(client, personas):
    client.force_login(personas.home[Role.PROVIDER_ADMIN])
    stranger = personas.organizations["other_provider"]

    response = client.post(reverse("provider:organization.switch", kwargs={"organization_pk": stranger.pk}))

    assert response.status_code == 404
    assert "Acting for Home Clinic" in client.get(reverse("provider:dashboard")).content.decode()


def test_membership_of_a_pending_organization_opens_no_portal(client, db):
    pending = OrganizationFactory(status=OrganizationStatus.PENDING)
    user = member(pending, Role.PROVIDER_ADMIN)
    client.force_login(user)

    assert client.get(reverse("provider:dashboard")).status_code == 403


def test_role_group_alone_doesnt_open_an_organization_portal(client, db):
    from tests.factories import UserFactory

    user = UserFactory()
    role_grant(user=user, role=Role.PROVIDER_ADMIN)  # a group but no membership
    client.force_login(user)

    assert client.get(reverse("provider:dashboard")).status_code == 403
