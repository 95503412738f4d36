"""An organization's administrator manages its people; nobody reaches another organization's."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import get_perms

from cvms.models import Membership
from cvms.roles import Role
from enrollment.services.people import invitation_create, invitation_token, person_update
from tests.clients import SignInClient
from tests.factories import LocationFactory, OrganizationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    organization = OrganizationFactory(name="Clinic A")
    return {
        "organization": organization,
        "admin": member(organization, Role.PROVIDER_ADMIN),
        "vaccinator": member(organization, Role.VACCINATOR),
        "location": LocationFactory(organization=organization, name="A downtown"),
    }


@pytest.fixture
def other_clinic():
    organization = OrganizationFactory(name="Clinic B")
    return {
        "organization": organization,
        "admin": member(organization, Role.PROVIDER_ADMIN),
        "vaccinator": member(organization, Role.VACCINATOR),
        "location": LocationFactory(organization=organization, name="B uptown"),
    }


def signed_in(user) -> SignInClient:
    client = SignInClient()
    client.force_login(user)
    return client


def person_url(user, name="person"):
    return reverse(f"provider:enrollment.people.{name}", args=[Membership.objects.get(user=user).pk])


def test_people_page_lists_only_the_organizations_people(clinic, other_clinic):
    page = signed_in(clinic["admin"]).get(reverse("provider:enrollment.people")).content.decode()

    assert clinic["vaccinator"].email in page
    assert other_clinic["vaccinator"].email not in page


def test_a_vaccinator_cant_manage_people(clinic):
    client = signed_in(clinic["vaccinator"])

    assert client.get(reverse("provider:enrollment.people")).status_code == 403
    assert client.post(person_url(clinic["admin"], "remove")).status_code == 403
    assert Membership.objects.filter(user=clinic["admin"]).exists()


def test_admin_invites_a_colleague_by_email(clinic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(clinic["admin"]).post(
            reverse("provider:enrollment.people.invite"),
            {"email": "newbie@example.org", "role": "vaccinator"},
        )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["newbie@example.org"]
    assert "Clinic A" in message.subject
    assert "/invitations/" in message.body


def invitation_url(clinic, email: str) -> str:
    invitation = invitation_create(
        organization=clinic["organization"], email=email, role=Role.VACCINATOR, by=clinic["admin"]
    )
    return reverse("enrollment.invitation", kwargs={"token": invitation_token(invitation)})


def sign_up(client, email: str, next_url: str = ""):
    password = "a-Long-pass-phrase-42"
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    return client.post(
        url,
        {
            "email": email,
            "first_name": "New",
            "last_name": "Colleague",
            "password1": password,
            "password2": password,
        },
    )


def confirmation_link() -> str:
    """The path of the link in the latest e-mail (the address confirmation)."""
    return re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)


def test_invited_colleague_signs_up_then_accepts_the_invitation(clinic, client):
    url = invitation_url(clinic, "newbie@example.org")

    anonymous_page = client.get(url).content.decode()
    assert "Create an account" in anonymous_page
    # The colleague's new account (allauth signup, e-mail confirmed).
    colleague = UserFactory(email="newbie@example.org")
    client.force_login(colleague)
    response = client.post(url)

    assert response.url == reverse("provider:dashboard")
    assert Membership.objects.get(user=colleague).organization == clinic["organization"]
    assert client.get(reverse("provider:dashboard")).status_code == 200
    # Single use: the same link refuses a second time.
    assert "already been used" in client.get(url).content.decode()


def test_new_colleague_signs_up_from_the_invitation_confirms_and_lands_back_on_it(
    clinic, client, django_capture_on_commit_callbacks
):
    url = invitation_url(clinic, "newbie@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        signup = sign_up(client, "newbie@example.org", next_url=url)
    confirm_url = confirmation_link()
    confirm_page = client.get(confirm_url)
    confirmed = client.post(confirm_url)

    assert (signup.status_code, confirm_page.status_code) == (302, 200)
    assert confirmed["Location"] == url  # signed in, and back on the invitation
    accepted = client.post(url)
    assert accepted["Location"] == reverse("provider:dashboard")
    assert Membership.objects.get(user__email="newbie@example.org").organization == clinic["organization"]


def test_an_address_confirmed_in_another_browser_asks_to_sign_in_first(
    clinic, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "newbie@example.org")

    confirmed = SignInClient().post(confirmation_link())

    assert confirmed["Location"] == reverse("account_login")


def test_admin_assigns_a_vaccinator_to_a_location(clinic):
    response = signed_in(clinic["admin"]).post(
        person_url(clinic["vaccinator"]), {"role": "vaccinator", "locations": [clinic["location"].pk]}
    )

    assert response.status_code == 302
    assert get_perms(clinic["vaccinator"], clinic["location"]) == ["work_at_location"]


def test_a_location_id_of_another_organization_in_the_form_is_refused(clinic, other_clinic):
    response = signed_in(clinic["admin"]).post(
        person_url(clinic["vaccinator"]), {"role": "vaccinator", "locations": [other_clinic["location"].pk]}
    )

    assert response.status_code == 200
    assert "locations" in response.context["form"].errors
    assert get_perms(clinic["vaccinator"], other_clinic["location"]) == []


def test_another_organizations_people_are_404_by_editing_ids(clinic, other_clinic):
    client = signed_in(clinic["admin"])
    target = other_clinic["vaccinator"]

    assert client.get(person_url(target)).status_code == 404
    assert client.post(person_url(target), {"role": "provider_admin"}).status_code == 404
    assert client.get(person_url(target, "remove")).status_code == 404
    assert client.post(person_url(target, "remove")).status_code == 404
    assert Membership.objects.get(user=target).role == Role.VACCINATOR
    invitation = invitation_create(
        organization=other_clinic["organization"],
        email="b@example.org",
        role="vaccinator",
        by=other_clinic["admin"],
    )
    cancel = reverse("provider:enrollment.people.invitation.cancel", args=[invitation.pk])
    assert client.post(cancel).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_removed_person_loses_access_at_the_next_request(clinic):
    vaccinator_client = signed_in(clinic["vaccinator"])
    assert vaccinator_client.get(reverse("provider:dashboard")).status_code == 200

    confirm = signed_in(clinic["admin"]).get(person_url(clinic["vaccinator"], "remove"))
    assert "Remove access" in confirm.content.decode()
    signed_in(clinic["admin"]).post(person_url(clinic["vaccinator"], "remove"))

    assert vaccinator_client.get(reverse("provider:dashboard")).status_code == 403


def test_provider_dashboard_shows_a_vaccinators_locations(clinic):
    person_update(
        membership=Membership.objects.get(user=clinic["vaccinator"]),
        role=Role.VACCINATOR,
        locations=[clinic["location"]],
        by=clinic["admin"],
    )
    LocationFactory(organization=clinic["organization"], name="Not mine")

    page = signed_in(clinic["vaccinator"]).get(reverse("provider:dashboard")).content.decode()

    assert "A downtown" in page
    assert "Not mine" not in page
