import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from cvms.models import Membership, User
from cvms.roles import Role


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_one_user_per_role_and_prints_passwords(db, settings, client):
    settings.DEBUG = True

    output = seed()

    passwords = dict(re.findall(r"(\S+@example\.org)\s+password: (\S+)", output))
    assert set(passwords) >= {
        "state@example.org",
        "provider@example.org",
        "vaccinator@example.org",
        "employer@example.org",
        "recipient@example.org",
        "agent@example.org",
    }
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert client.login(email="recipient@example.org", password=passwords["recipient@example.org"])


def test_seed_demo_sets_up_and_prints_totp_for_roles_that_need_it(db, settings):
    settings.DEBUG = True

    output = seed()

    secrets = dict(re.findall(r"(\S+@example\.org)\s+password: \S+\s+TOTP secret: (\w+)", output))
    assert set(secrets) == {"state@example.org", "agent@example.org"}
    assert Authenticator.objects.filter(user__email="state@example.org", type="totp").count() == 1


def test_seed_demo_is_idempotent(db, settings):
    settings.DEBUG = True
    first = seed()
    counts = (User.objects.count(), Membership.objects.count(), Authenticator.objects.count())

    second = seed()

    assert (User.objects.count(), Membership.objects.count(), Authenticator.objects.count()) == counts
    totp = re.compile(r"state@example\.org.*TOTP secret: (\w+)")
    assert totp.search(first).group(1) == totp.search(second).group(1)  # the authenticator app keeps working


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        seed()
    assert not User.objects.exists()
