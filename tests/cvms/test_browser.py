"""A demo user logs in through a real browser and reaches their portal."""

import re

import pytest
from django.core.management import call_command

from tests.browser import log_in


@pytest.fixture
def demo_passwords(settings, transactional_db):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    return dict(re.findall(r"(\S+@example\.org)\s+password: (\S+)", out.getvalue()))


@pytest.mark.browser
def test_demo_provider_logs_in_and_reaches_the_provider_portal(page, live_server, demo_passwords):
    log_in(page, live_server, "provider@example.org", demo_passwords["provider@example.org"])

    page.wait_for_url(f"{live_server.url}/provider/")
    assert page.get_by_role("heading", level=1).inner_text() == "Provider"
    assert "Acting for Wake Community Health" in page.content()
    assert "NCA650001" in page.content()
