"""Playwright (sync API) driving Debian's Chromium headless, for tests marked `browser`."""

import os

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(live_server, monkeypatch):
    """A fresh browser page; the Django live server is at `live_server.url`."""
    # Playwright keeps an event loop on this thread; the ORM calls that tests make between
    # browser steps are still synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # Reduced motion: Bootstrap then draws no transitions, so axe never measures a button's
        # colours halfway through one (a hovered CSV link once failed contrast mid-fade).
        locale = os.environ.get("BROWSER_LOCALE", "en-US")
        context = browser.new_context(locale=locale, reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG violations on the current page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]},
            "resultTypes": ["violations"],  # the others' details only slow the answer down
        },
    )
    serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}" for v in serious]
