"""Acceptance 1 in a real browser, and the screenshots of the user guides.

Screenshots are written to docs/guides/img/ when missing, or all of them with
UPDATE_GUIDE_SCREENSHOTS=1; otherwise to a temporary folder (so a normal run leaves the
repository unchanged)."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from cvms.roles import Role
from cvms.services import role_groups_ensure
from enrollment.models import County
from helpdesk.enums import Category, Status
from helpdesk.guides import GUIDES_DIR
from helpdesk.models import Case
from tests.clients import SignInClient
from tests.factories import LocationFactory, OrganizationFactory
from tests.helpdesk.factories import ArticleFactory, RoutingRuleFactory, TeamFactory, agent

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _reference_rows(transactional_db):
    """Live-server tests flush the database after themselves, taking the rows that migrations
    load (counties, role groups) with them: a test that runs after one puts back what it needs."""
    County.objects.get_or_create(fips="37183", defaults={"name": "Wake County"})
    role_groups_ensure()


VIEWPORT = {"width": 1024, "height": 720}


def screenshot(page, name: str, tmp_path: Path) -> None:
    target = GUIDES_DIR / "img" / name
    if target.exists() and not os.environ.get("UPDATE_GUIDE_SCREENSHOTS"):
        target = tmp_path / name
    page.screenshot(path=str(target))


def signed_in_page(page, live_server, user):
    """A page of a new browser context signed in as `user` through a session cookie (agents
    and officials have TOTP; this skips typing the code, not the gate's check)."""
    client = SignInClient()
    client.force_login(user)
    context = page.context.browser.new_context(viewport=VIEWPORT)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    other = context.new_page()
    other.set_default_timeout(15_000)
    return other


def test_provider_registers_files_a_case_and_gets_the_resolution_by_email(page, live_server, tmp_path):
    provider = OrganizationFactory(name="Wake Community Health", pin="NCA650001")
    LocationFactory(organization=provider, name="Raleigh clinic", county_id="37183")
    inventory_desk = TeamFactory(name="Inventory desk")
    RoutingRuleFactory(category=Category.INVENTORY, team=inventory_desk)
    alex = agent(inventory_desk, first_name="Alex", last_name="Agent")
    ArticleFactory(title="Freezer temperature alarms", body="What to do when the freezer alarm rings.")
    page.set_viewport_size(VIEWPORT)

    # Register with the provider's PIN.
    page.goto(f"{live_server.url}/help/register/")
    page.locator("#id_first_name").fill("Dana")
    page.locator("#id_last_name").fill("Diaz")
    page.locator("#id_email").fill("dana@wakehealth.example")
    page.locator("#id_code").fill("NCA650001")
    screenshot(page, "helpdesk-register.png", tmp_path)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "We sent an e-mail to dana@wakehealth.example with what you need to sign in." in page.content()

    # The e-mail with the temporary password.
    [welcome] = mail.outbox
    assert welcome.to == ["dana@wakehealth.example"]
    password = re.search(r"Temporary password: (\S+)", welcome.body).group(1)

    # Sign in, and choose a new password first.
    page.get_by_label("Email").fill("dana@wakehealth.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/help/password/")
    page.locator("#id_password1").fill("maple-river-canvas-42")
    page.locator("#id_password2").fill("maple-river-canvas-42")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url(f"{live_server.url}/help/")

    # File a case; the knowledge base suggests an article on the way.
    page.get_by_role("link", name="Ask for help").click()
    page.locator("#id_category").select_option(label="Inventory")
    page.locator("#id_priority").select_option(label="High")
    page.locator("#id_subject").fill("Freezer alarm rings at night")
    suggestion = page.get_by_role("link", name="Freezer temperature alarms")
    suggestion.wait_for()
    page.locator("#id_description").fill("The alarm of our freezer rings every night since Monday.")
    page.locator("#id_location").select_option(label="Raleigh clinic")
    page.locator("#id_attachments").set_input_files(
        [{"name": "temperature-log.txt", "mimeType": "text/plain", "buffer": b"02:00 -12C\n03:00 -11C\n"}]
    )
    screenshot(page, "helpdesk-intake.png", tmp_path)
    page.get_by_role("button", name="File the case").click()
    case = Case.objects.get()
    page.wait_for_url(f"{live_server.url}/help/cases/{case.pk}/")
    assert "the Inventory desk team will answer you" in page.content()
    assert case.team == inventory_desk

    # An agent of the routed team resolves it with a note.
    desk = signed_in_page(page, live_server, alex)
    desk.goto(f"{live_server.url}/help/queue/")
    desk.get_by_role("link", name="Freezer alarm rings at night").click()
    desk.get_by_role("button", name="Assign to me").click()
    desk.locator("#id_note").fill("The probe was faulty: we are shipping a new one today.")
    screenshot(desk, "helpdesk-agent-case.png", tmp_path)
    desk.get_by_role("button", name="Resolve").click()
    desk.get_by_text("The case is resolved; the requester has been e-mailed.").wait_for()
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.RESOLVED, alex)

    # The requester's outbox has the resolution with the note.
    resolution = mail.outbox[-1]
    assert resolution.to == ["dana@wakehealth.example"]
    assert resolution.subject == f"Case #{case.pk} resolved: Freezer alarm rings at night"
    assert "The probe was faulty: we are shipping a new one today." in resolution.body
    page.reload()
    assert "Resolved" in page.content()
    assert "The probe was faulty" in page.content()


@pytest.mark.parametrize(
    ("role", "path", "name"),
    [
        (Role.STATE_OFFICIAL, "/state/", "state-dashboard.png"),
        (Role.PROVIDER_ADMIN, "/provider/", "provider-dashboard.png"),
        (Role.EMPLOYER_ADMIN, "/employer/", "employer-dashboard.png"),
        (Role.RECIPIENT, "/me/", "recipient-dashboard.png"),
    ],
)
def test_portal_screenshots_for_the_guides(page, live_server, tmp_path, personas, role, path, name):
    screen = signed_in_page(page, live_server, personas.home[role])

    screen.goto(f"{live_server.url}{path}")

    assert screen.url == f"{live_server.url}{path}"
    screenshot(screen, name, tmp_path)
