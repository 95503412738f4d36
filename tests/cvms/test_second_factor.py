"""The second factor belongs to the session (issue 13, finding 1): a session opened with the
password alone never reaches the state portal or the admin, whatever device the account has."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from cvms.models import AuditEvent
from cvms.roles import Role
from tests.cvms.test_accounts import current_totp, log_in
from tests.factories import PASSWORD, UserFactory, operator


def totp_secret(user) -> str:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]


def test_admin_login_form_no_longer_signs_anyone_in(client, db):
    official = UserFactory(roles=[Role.STATE_OFFICIAL], is_staff=True)

    response = client.post(reverse("admin:login"), {"username": official.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("state:dashboard"))["Location"].startswith(reverse("account_login"))


def test_password_only_session_of_a_state_official_is_asked_for_a_code(client, db):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])  # the factory gives a TOTP device
    client.force_login(official, second_factor=False)

    response = client.get(reverse("state:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fstate%2F"


def test_giving_the_code_opens_the_state_portal(client, db):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(official, second_factor=False)

    response = client.post(
        f"{reverse('mfa_reauthenticate')}?next=/state/", {"code": current_totp(totp_secret(official))}
    )

    assert response["Location"] == "/state/"
    assert client.get("/state/").status_code == 200


def test_signing_in_through_both_steps_opens_the_state_portal(client, db):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    log_in(client, official.email)

    client.post(reverse("mfa_authenticate"), {"code": current_totp(totp_secret(official))})

    assert client.get(reverse("state:dashboard")).status_code == 200


def test_admin_refuses_a_staff_session_without_the_second_factor(client, db):
    user = operator()
    client.force_login(user, second_factor=False)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    login = client.get(response["Location"])  # the admin's login sends on to the code
    assert login["Location"].startswith(reverse("mfa_reauthenticate"))


def test_admin_asks_an_operator_without_a_device_to_set_one_up(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)

    login = client.get(client.get(reverse("admin:index"))["Location"])

    assert login["Location"].startswith(reverse("mfa_activate_totp"))


def test_admin_opens_for_an_operator_who_passed_the_second_factor(client, db):
    client.force_login(operator())

    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_refuses_a_signed_in_person_who_is_not_staff(client, db):
    client.force_login(UserFactory(roles=[Role.RECIPIENT]))

    assert client.get(reverse("admin:login")).status_code == 403


def test_admin_login_ignores_a_next_address_on_another_site(client, db):
    client.force_login(operator())

    response = client.get(f"{reverse('admin:login')}?next=https://evil.example/")

    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db(transaction=True)
def test_failed_admin_attempts_go_through_the_account_login_limits(client):
    official = UserFactory(roles=[Role.STATE_OFFICIAL], is_staff=True)
    for _ in range(6):
        log_in(client, official.email, "wrong password")

    assert AuditEvent.objects.filter(action="account.login_failed", actor_email=official.email).count() >= 5
    response = log_in(client, official.email)
    assert "Too many failed login attempts" in response.content.decode()
