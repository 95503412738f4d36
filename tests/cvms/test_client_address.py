"""The client's address behind our proxies (issue 13, finding 4): limits and the audit trail
count people, not the TLS proxy they all come through."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cvms.models import AuditEvent
from cvms.net import client_ip
from tests.cvms.test_accounts import log_in
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.2"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, PROXY, "203.0.113.5", PROXY),  # no proxy trusted: the header is ignored
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own entry is not trusted
        (2, PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, PROXY, "not-an-address", PROXY),
        (2, PROXY, "203.0.113.5", PROXY),  # fewer entries than proxies: misconfigured, not trusted
        (1, "10.0.0.3", None, "10.0.0.3"),  # from inside, not through the proxy
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_is_read_from_the_trusted_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request_from(remote, forwarded)) == expected


def test_audit_records_the_clients_address_not_the_proxys(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()

    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )

    assert AuditEvent.objects.get(action="account.login").ip_address == "203.0.113.5"


def test_one_persons_failed_logins_dont_lock_out_everyone_behind_the_proxy(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, official = "203.0.113.66", "198.51.100.20"
    for n in range(12):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{n}@example.org", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=attacker,
        )
    user = UserFactory()

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=official,
    )

    assert response.status_code == 302, "the login of someone else behind the proxy was refused"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_attackers_own_address_is_limited(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{n}@example.org", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )

    response = client.post(
        reverse("account_login"),
        {"login": "nobody@example.org", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )

    assert "Too many failed login attempts" in response.content.decode()


def test_someone_elses_wrong_passwords_dont_lock_a_known_account(client, db):
    """Finding 13: five failed logins by anyone locked a state official out for five minutes."""
    official = UserFactory()
    for _ in range(6):
        log_in(client, official.email, "wrong password")  # from 127.0.0.1

    response = client.post(
        reverse("account_login"), {"login": official.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.20"
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(official.pk)
