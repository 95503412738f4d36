"""Every portal's main pages fit every width (issue 17, acceptance 2): at 320, 375, 768, 1280 and
1920 px, no page is wider than the window, every menu item can be reached (behind the toggler
on narrow screens, on the bar on wide ones), and axe-core finds no serious or critical WCAG
violation.

The demo's people (seed_demo), signed in once each (a session cookie, no sign-in pages); one
browser, one tab per person, and each page visited once per width; the public and recipient
pages in Spanish too. The main pages are the
dashboard and the pages its menu links to, read from the page itself, so that a new menu item
is swept the day it appears.
"""

import time
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from cvms.demo import demo_user
from cvms.models import User
from cvms.roles import Role
from tests.browser import CHROMIUM_ARGS, serious_accessibility_violations
from tests.clients import SignInClient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (320, 375, 768, 1280, 1920)
# The bar folds behind the toggler below Bootstrap's xl breakpoint.
COLLAPSED_BELOW = 1200

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/help/register/", "/help/kb/", "/help/guides/",
                "/help/guides/recipient/", "/me/register/self/"]  # fmt: skip
# Pages people reach from their dashboard's panels rather than the menu.
EXTRA_PAGES = {
    "provider": ["/provider/records/today/", "/provider/offline/", "/provider/records/backfill/"],
    "employer": ["/employer/roster/uploads/"],
    "help": ["/help/cases/", "/help/cases/new/", "/help/queue/"],
}


@pytest.fixture
def browser(live_server, monkeypatch):
    """One Chromium for the whole sweep (tests/browser.py's `page` is one tab of its own)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", True
    people = {role.value: demo_user(role) for role in Role if role != Role.HELPDESK_REQUESTER}
    people["helpdesk_requester"] = User.objects.get(email="clinic@example.org")
    return people


def _signed_in_tab(browser, live_server, user, language: str = "en"):
    from axe_playwright_python.base import AXE_SCRIPT

    context = browser.new_context()
    # axe-core in every page the tab opens, rather than sent over at each check.
    context.add_init_script(AXE_SCRIPT)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    if user is not None:
        client = SignInClient()
        client.force_login(user)  # with the second factor for those whose role needs it
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _serious_violations(tab) -> list[str]:
    """As tests/browser.py's serious_accessibility_violations, with axe-core already loaded."""
    violations = tab.evaluate("options => axe.run(document, options).then(r => r.violations)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def _overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _unreachable_menu_items(tab, width: int) -> list[str]:
    """Menu items, the account menu and the language switch that can't be seen and clicked
    within the window (opening the toggler and the account menu first where there is one)."""
    toggler = tab.locator(".navbar-toggler")
    if width < COLLAPSED_BELOW:
        assert toggler.is_visible(), "no toggler on a narrow screen"
        toggler.click()
        tab.wait_for_selector("#main-nav.show:not(.collapsing)")
    else:
        assert not toggler.is_visible(), "a toggler on a wide screen"
    items = tab.locator("#main-nav a.nav-link, #main-nav select, #main-nav button")
    unreachable = []
    for index in range(items.count()):
        item = items.nth(index)
        if not _reachable(tab, item, width):
            unreachable.append(item.inner_text() or item.get_attribute("id") or "?")
    account = tab.locator("#main-nav .dropdown-toggle").last
    if account.count():
        account.click()
        for entry in tab.locator("#main-nav .dropdown-menu.show a").all():
            if not _reachable(tab, entry, width):
                unreachable.append(entry.inner_text())
    return unreachable


def _reachable(tab, item, width: int) -> bool:
    """Seen whole within the window's width, and the element a click at its centre lands on.
    The page is scrolled down to it if need be, never sideways: an item off to the right is
    off-screen."""
    item.evaluate("item => window.scrollTo(window.scrollX, item.getBoundingClientRect().top + scrollY - 80)")
    box = item.bounding_box()
    if box is None or box["width"] == 0 or box["x"] < 0 or box["x"] + box["width"] > width + 0.5:
        return False
    return item.evaluate(
        "(element, point) => element.contains(document.elementFromPoint(point.x, point.y))",
        {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2},
    )


def _main_pages(tab, live_server, portal: str) -> list[str]:
    tab.goto(f"{live_server.url}/{portal}/")
    links = tab.eval_on_selector_all(".portal-menu a.nav-link", "links => links.map(link => link.href)")
    paths = [urlsplit(link).path for link in links]
    return [f"/{portal}/", *paths, *EXTRA_PAGES.get(portal, [])]


def _sweep(tab, live_server, pages: list[str], problems: list[str]) -> None:
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 800})
        for number, path in enumerate(pages):
            tab.goto(f"{live_server.url}{path}")
            where = f"{width} px, {tab.evaluate('document.documentElement.lang')}"
            assert urlsplit(tab.url).path == path, f"{path} went to {tab.url}"
            if (wider := _overflow(tab)) > 0:
                problems.append(f"{where} {path}: {wider} px wider than the window")
            problems += [f"{where} {path}: {line}" for line in _serious_violations(tab)]
            if number == 0:  # the menu is the same on every page of a portal
                problems += [
                    f"{where} {path}: can't reach {item}" for item in _unreachable_menu_items(tab, width)
                ]


# (person, portal, language): the recipient's pages in Spanish too, whose words are longer.
PORTALS = [
    ("state_official", "state", "en"),
    ("provider_admin", "provider", "en"),
    ("employer_admin", "employer", "en"),
    ("recipient", "me", "en"),
    ("recipient", "me", "es"),
    ("helpdesk_agent", "help", "en"),
    ("helpdesk_requester", "help", "en"),
]


def test_every_portals_main_pages_fit_every_width_with_reachable_menus_and_no_serious_violation(
    demo, live_server, browser
):
    started = time.monotonic()
    problems: list[str] = []
    for language in ("en", "es"):
        _sweep(_signed_in_tab(browser, live_server, None, language), live_server, PUBLIC_PAGES, problems)
    swept = 2 * len(PUBLIC_PAGES)
    for person, portal, language in PORTALS:
        tab = _signed_in_tab(browser, live_server, demo[person], language)
        pages = _main_pages(tab, live_server, portal)
        swept += len(pages)
        _sweep(tab, live_server, pages, problems)
        tab.context.close()

    assert problems == []
    print(f"\nLayout sweep: {swept} pages × {len(WIDTHS)} widths in {time.monotonic() - started:.0f} s")


def test_a_table_wider_than_a_phone_scrolls_by_keyboard(page, live_server, settings):
    """The record page's doses at 375 px (issue 17: axe scrollable-region-focusable): the table's
    box takes the focus, is named after its caption, and the arrow keys scroll it."""
    from django.utils import timezone

    from tests.administration.factories import AdministrationRecordFactory
    from tests.recipients.factories import RecipientFactory

    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", True
    recipient = RecipientFactory()
    AdministrationRecordFactory(recipient=recipient, administered_at=timezone.now())
    client = SignInClient()
    client.force_login(recipient.user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 700})

    page.goto(f"{live_server.url}/me/record/")
    box = page.locator(".table-responsive")

    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label") == "Doses given"
    box.focus()
    for _press in range(3):
        page.keyboard.press("ArrowRight")
    # Polled with evaluate: wait_for_function's predicate would be an eval, which the
    # Content-Security-Policy refuses.
    deadline = time.monotonic() + 5
    while box.evaluate("element => element.scrollLeft") == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert box.evaluate("element => element.scrollLeft") > 0
    assert [v for v in serious_accessibility_violations(page) if v.startswith("scrollable-region")] == []
