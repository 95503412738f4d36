"""A demo user logs in through a real browser and reaches their portal."""

import re

import pytest
from django.core.management import call_command

from tests.browser import log_in, serious_accessibility_violations


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


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_login_page_and_dashboard_have_no_serious_accessibility_violations(
    page, live_server, demo_passwords, language
):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    assert serious_accessibility_violations(page) == []

    log_in_page_fields = {
        "en": ("Email", "Password", "Sign In"),
        "es": ("Correo electrónico", "Contraseña", "Iniciar sesión"),
    }
    email_label, password_label, button = log_in_page_fields[language]
    page.get_by_label(email_label).fill("provider@example.org")
    page.get_by_label(password_label).fill(demo_passwords["provider@example.org"])
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{live_server.url}/provider/")
    assert serious_accessibility_violations(page) == []


@pytest.mark.browser
def test_pages_fit_a_phone_screen(page, live_server, demo_passwords):
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(f"{live_server.url}/accounts/login/")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")

    assert scroll_width <= 375
    assert page.get_by_role("button", name="Sign In").is_visible()
