"""How long a session lives (issue 13, finding 10): staff are signed out after 15 minutes
without activity, people managing their own vaccination after an hour, everyone after 12 hours;
no "remember me"; the password again before changing the e-mail address or the password."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from cvms.roles import Role
from tests.cvms.test_accounts import log_in
from tests.factories import UserFactory


def test_staff_are_signed_out_after_fifteen_idle_minutes(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, personas.home[Role.PROVIDER_ADMIN].email)
        assert client.get(reverse("provider:dashboard")).status_code == 200

    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.get(reverse("provider:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_staff_session_alive(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, personas.home[Role.PROVIDER_ADMIN].email)
    for minutes in (10, 20, 30, 40):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("provider:dashboard")).status_code == 200


def test_recipients_keep_their_session_for_an_idle_hour(client, db):
    person = UserFactory(roles=[Role.RECIPIENT])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, person.email)

    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get(reverse("me:dashboard")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=50 + 61), tick=False):
        assert client.get(reverse("me:dashboard")).status_code == 302


def test_every_session_ends_twelve_hours_after_sign_in(client, db):
    person = UserFactory(roles=[Role.RECIPIENT])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, person.email)
    for hours in range(1, 12):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert client.get(reverse("me:dashboard")).status_code == 200

    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert client.get(reverse("me:dashboard")).status_code == 302


def test_the_idle_limit_is_a_setting(client, personas, settings):
    settings.SESSION_IDLE_MINUTES_STAFF = 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, personas.home[Role.VACCINATOR].email)

    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert client.get(reverse("provider:dashboard")).status_code == 302


def test_the_login_page_offers_no_remember_me(client, db):
    page = client.get(reverse("account_login")).content.decode()

    assert 'name="remember"' not in page


def test_adding_an_email_address_asks_for_the_password_first(client, db):
    person = UserFactory(roles=[Role.RECIPIENT])
    log_in(client, person.email)
    later = timezone.now() + timedelta(minutes=20)

    with time_machine.travel(later, tick=False):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not person.emailaddress_set.filter(email="new@example.org").exists()


def test_pages_of_a_signed_in_person_are_not_stored_by_browsers(client, personas):
    client.force_login(personas.home[Role.RECIPIENT])

    response = client.get(reverse("me:dashboard"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
