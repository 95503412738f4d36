"""Signing in: e-mail login, two-factor authentication for sensitive roles, rate limits,
deactivated accounts, and the audit trail of it all."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent
from cvms.roles import Role
from cvms.services import role_grant
from tests.factories import PASSWORD, UserFactory


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_totp(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_login_with_email_lands_on_the_only_portal(client, personas):
    provider_admin = personas.home[Role.PROVIDER_ADMIN]

    response = log_in(client, provider_admin.email)

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("provider:dashboard")


def test_person_with_two_roles_chooses_a_portal(client, personas):
    user = personas.home[Role.PROVIDER_ADMIN]
    role_grant(user=user, role=Role.RECIPIENT)
    log_in(client, user.email)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    links = [reverse("provider:dashboard"), reverse("me:dashboard")]
    assert all(f'href="{link}"' in response.content.decode() for link in links)


def test_state_official_without_mfa_is_sent_to_set_it_up(client, db):
    official = UserFactory()  # no TOTP yet
    role_grant(user=official, role=Role.STATE_OFFICIAL)
    log_in(client, official.email)

    response = client.get(reverse("state:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


# Transactional, so that what allauth does after commit happens within the request, as it does
# in production (the activation counts as this session's second factor).
@pytest.mark.django_db(transaction=True)
def test_state_official_reaches_the_state_portal_once_mfa_is_on(client):
    official = UserFactory()
    role_grant(user=official, role=Role.STATE_OFFICIAL)
    log_in(client, official.email)
    # allauth asks for the password again before two-factor authentication is changed.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))  # the page puts a new secret in the session
    secret = client.session[SECRET_SESSION_KEY]

    client.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})

    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("state:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(actor=official, action="account.mfa.added").exists()


def test_helpdesk_agent_without_mfa_cant_reach_the_helpdesk(client, db):
    agent = UserFactory()
    role_grant(user=agent, role=Role.HELPDESK_AGENT)
    client.force_login(agent)

    response = client.get(reverse("help:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_mfa_user_must_give_a_code_at_login(client, db):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])  # factory turns TOTP on

    response = log_in(client, official.email)

    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("state:dashboard")).status_code == 302  # not signed in yet


def test_repeated_failed_logins_are_refused_by_the_rate_limit(client, db):
    user = UserFactory()
    for _ in range(5):
        response = log_in(client, user.email, "wrong password")
        assert "The email address and/or password you specified are not correct." in response.content.decode()

    response = log_in(client, user.email, PASSWORD)  # even the right password is refused now

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cant_log_in(client, db):
    user = UserFactory(is_active=False)

    response = log_in(client, user.email)

    assert response["Location"] == reverse("account_inactive")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 200  # still anonymous: the welcome page


def test_deactivated_account_loses_its_session_at_next_request(client, personas):
    user = personas.home[Role.PROVIDER_ADMIN]
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get(reverse("provider:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_failed_login_and_logout_are_audited(client, db):
    user = UserFactory()

    log_in(client, user.email, "wrong password")
    log_in(client, user.email)
    client.post(reverse("account_logout"))

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_email"))
    assert actions == [
        ("account.login_failed", user.email),
        ("account.login", user.email),
        ("account.logout", user.email),
    ]


def test_password_reset_email_is_html_and_text_in_the_persons_language(
    client, db, django_capture_on_commit_callbacks
):
    user = UserFactory(language="es")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "contraseña" in message.body.lower()  # allauth's Spanish text
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "/accounts/password/reset/key/" in html


def test_signup_requires_email_verification(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.person@example.org",
                "first_name": "Nora",
                "last_name": "Person",
                "password1": "a-long-passphrase-9",
                "password2": "a-long-passphrase-9",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body
