import re
import statistics
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent, User
from cvms.roles import Role
from enrollment.enums import OrganizationStatus
from helpdesk.models import RequesterProfile
from tests.factories import OrganizationFactory, UserFactory

REGISTER = reverse("help:register")


def form(**overrides):
    return {
        "first_name": "Dana",
        "last_name": "Diaz",
        "email": "dana@clinic.example",
        "code": "VAC2021",
        **overrides,
    }


def temporary_password(message) -> str:
    return re.search(r"Temporary password: (\S+)", message.body).group(1)


def register(client, commit, **overrides):
    """Post the registration form; e-mails go out as the transaction commits."""
    with commit(execute=True):
        return client.post(REGISTER, form(**overrides))


def test_registration_with_a_pin_links_the_provider_and_mails_a_temporary_password(client, commit):
    provider = OrganizationFactory(name="Wake Clinic", pin="NCA650001")

    response = register(client, commit, code="nca650001")

    assert response.status_code == 302
    user = User.objects.get(email="dana@clinic.example")
    assert user.roles == {Role.HELPDESK_REQUESTER}
    profile = RequesterProfile.objects.get(user=user)
    assert (profile.organization, profile.registration_code, profile.must_change_password) == (
        provider,
        "NCA650001",
        True,
    )
    assert EmailAddress.objects.get(user=user).verified
    [message] = mail.outbox
    assert message.to == ["dana@clinic.example"]
    assert "Username: dana@clinic.example" in message.body
    assert "Wake Clinic" in message.body
    assert user.check_password(temporary_password(message))
    assert AuditEvent.objects.filter(action="helpdesk.requester.registered", actor=user).exists()


def test_registration_with_the_generic_code_links_no_organization(client, db, settings):
    settings.HELPDESK_GENERIC_CODE = "SPRING22"

    client.post(REGISTER, form(code="spring22"))

    profile = RequesterProfile.objects.get(user__email="dana@clinic.example")
    assert profile.organization is None
    assert profile.registration_code == "SPRING22"


@pytest.mark.parametrize("code", ["NCA999999", "VAC2020", "NCA650002"])
def test_registration_refused_for_an_unknown_code(client, db, code):
    OrganizationFactory(pin="NCA650002", status=OrganizationStatus.SUSPENDED)  # not approved

    response = client.post(REGISTER, form(code=code))

    assert response.status_code == 200
    assert "This registration code is not known." in response.content.decode()
    assert not User.objects.filter(email="dana@clinic.example").exists()
    assert mail.outbox == []


def test_a_registered_address_gets_the_same_answer_and_its_owner_an_email(client, commit):
    """Finding 13 of issue 13: the page said whether an address was registered."""
    owner = UserFactory(email="dana@clinic.example", password="the-owners-own-passphrase")

    known = register(client, commit, email="DANA@clinic.example", first_name="Other")
    known_page = client.get(known["Location"])
    new = register(client, commit, email="eve@clinic.example")
    new_page = client.get(new["Location"])

    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert [str(m).replace("DANA@clinic.example", "X") for m in known_page.context["messages"]] == [
        str(m).replace("eve@clinic.example", "X") for m in new_page.context["messages"]
    ]
    assert User.objects.filter(email__iexact="dana@clinic.example").count() == 1
    owner.refresh_from_db()
    assert owner.check_password("the-owners-own-passphrase")
    assert not RequesterProfile.objects.filter(user=owner).exists()
    told = next(m for m in mail.outbox if m.to == ["dana@clinic.example"])
    assert "you already have an account" in told.body
    assert "Temporary password" not in told.body
    event = AuditEvent.objects.get(action="helpdesk.requester.registration_repeated")
    assert (event.actor, event.actor_email, event.target_id) == (None, "dana@clinic.example", str(owner.pk))


def test_registering_a_registered_address_takes_as_long_as_a_new_one(client, commit, settings):
    # The production hasher, whose cost is what an attacker would time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.HELPDESK_REGISTRATION_LIMIT_PER_IP = 100
    UserFactory(email="known@clinic.example")

    def seconds(email: str) -> float:
        started = time.perf_counter()
        register(client, commit, email=email)
        return time.perf_counter() - started

    new = statistics.median(seconds(f"new{n}@clinic.example") for n in range(3))
    known = statistics.median(seconds("known@clinic.example") for _ in range(3))

    assert new / 3 < known < new * 3, (new, known)


def test_registration_is_rate_limited_per_ip_address(client, db, settings):
    settings.HELPDESK_REGISTRATION_LIMIT_PER_IP = 3
    for attempt in range(3):
        client.post(REGISTER, form(email=f"guess{attempt}@clinic.example", code="NCA000000"))

    response = client.post(REGISTER, form())  # a valid one, but from the same address

    assert response.status_code == 429
    assert "Too many registration attempts" in response.content.decode()
    assert not User.objects.filter(email="dana@clinic.example").exists()


def test_registration_is_rate_limited_per_email_from_any_address(client, db, settings):
    settings.HELPDESK_REGISTRATION_LIMIT_PER_EMAIL = 2
    for attempt in range(2):
        client.post(REGISTER, form(code="WRONG"), REMOTE_ADDR=f"10.0.0.{attempt}")

    response = client.post(REGISTER, form(), REMOTE_ADDR="10.0.0.99")

    assert response.status_code == 429
    assert not User.objects.filter(email="dana@clinic.example").exists()


def test_first_sign_in_requires_a_new_password_before_anything_else(client, commit):
    register(client, commit)
    password = temporary_password(mail.outbox[0])

    client.post(reverse("account_login"), {"login": "dana@clinic.example", "password": password})

    response = client.get(reverse("help:cases"))
    assert response.status_code == 302
    assert response["Location"] == reverse("help:password.set")
    refused = client.post(reverse("help:password.set"), {"password1": "short", "password2": "short"})
    assert "too short" in refused.content.decode()
    response = client.post(
        reverse("help:password.set"),
        {"password1": "blue-harbor-lantern-7", "password2": "blue-harbor-lantern-7"},
    )
    assert response["Location"] == reverse("help:dashboard")
    assert client.get(reverse("help:cases")).status_code == 200  # still signed in, free to go
    user = User.objects.get(email="dana@clinic.example")
    assert user.check_password("blue-harbor-lantern-7")
    assert not user.check_password(password)
    assert not RequesterProfile.objects.get(user=user).must_change_password


def test_password_page_sends_requesters_with_their_own_password_to_the_account_page(client, db):
    from tests.helpdesk.factories import requester

    client.force_login(requester())

    response = client.get(reverse("help:password.set"))

    assert response["Location"] == reverse("account_change_password")


def test_registration_page_and_email_are_in_spanish_for_spanish_speakers(client, commit):
    client.cookies["django_language"] = "es"
    assert "Código de registro" in client.get(REGISTER).content.decode()

    register(client, commit)

    assert "Contraseña temporal" in mail.outbox[0].body
    assert User.objects.get(email="dana@clinic.example").language == "es"
