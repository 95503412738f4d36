"""Acceptance 1: a new provider from sign-up to its PIN, in a real browser."""

import re

import pytest
from django.core import mail

from cvms.roles import Role
from enrollment.models import EnrollmentApplication
from tests.clients import SignInClient
from tests.factories import UserFactory

EMAIL = "dana.doe@clinic.example.org"
PASSWORD = "a-long-enough-passphrase-42"


def as_signed_in(page, live_server, user) -> None:
    """Give the browser a session of `user` (a state official's TOTP step is not under test)."""
    client = SignInClient()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_new_provider_signs_up_saves_a_draft_resumes_submits_and_is_approved(page, live_server):
    url = live_server.url

    # Sign up; e-mail verification is mandatory: follow the link from the verification e-mail.
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Doe")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    (verification,) = [m for m in mail.outbox if m.to == [EMAIL]]
    confirm_path = re.search(r"/accounts/confirm-email/\S+/", verification.body)[0]
    page.goto(url + confirm_path)
    page.get_by_role("button", name="Confirm").click()
    if "/accounts/login/" in page.url:
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()

    # No portal yet: the home page offers enrollment.
    page.goto(f"{url}/")
    page.get_by_role("link", name="Enroll a vaccine provider").click()
    page.get_by_role("button", name="Start a new application").click()

    # Step 1, then save the draft and leave.
    page.get_by_label("Legal name").fill("Blue Ridge Family Clinic")
    page.get_by_label("Type of provider").select_option("primary_care")
    page.get_by_label("Street address").fill("12 College Street")
    page.locator("#id_city").fill("Asheville")
    page.get_by_label("ZIP code").fill("28801")
    page.get_by_label("County").select_option(label="Buncombe County")
    page.get_by_label("EIN or tax id").fill("56-2468013")
    page.get_by_role("button", name="Save draft and finish later").click()
    assert page.locator("#application-status").inner_text() == "Draft"
    application = EnrollmentApplication.objects.get(applicant__email=EMAIL)
    assert application.legal_name == "Blue Ridge Family Clinic"

    # Resume later from the list of applications.
    page.goto(f"{url}/")
    page.get_by_role("link", name="Enroll a vaccine provider").click()
    page.get_by_role("link", name="Blue Ridge Family Clinic").click()
    page.get_by_role("link", name="Organization").first.click()
    assert page.get_by_label("Legal name").input_value() == "Blue Ridge Family Clinic"
    page.get_by_label("Licence or credential number").fill("rph 20431")
    page.get_by_label("Licensing authority").select_option("ncbop")
    page.get_by_label("Responsible prescriber's name").fill("Dr. Dana Doe")
    page.get_by_label("Responsible prescriber's credential").select_option("md")
    page.get_by_label("Priority group you will vaccinate first").select_option(index=1)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Contact name").fill("Dana Doe")
    page.get_by_label("Contact e-mail").fill(EMAIL)
    page.get_by_label("Contact phone").fill("(828) 555-0142")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Location name").fill("Blue Ridge — College Street")
    page.get_by_label("Street address").fill("12 College Street")
    page.locator("#id_locations-0-city").fill("Asheville")
    page.get_by_label("ZIP code").fill("28801")
    page.get_by_label("County").select_option(label="Buncombe County")
    page.get_by_label("Type of site").select_option(label="Medical practice: family medicine")
    page.get_by_label("Opening hours").fill("Mon-Fri 8:00-17:00")
    page.get_by_label("Expected doses per week").fill("600")
    page.get_by_label("Frozen capacity (doses)").fill("1200")
    page.get_by_label("Refrigerated capacity (doses)").fill("3000")
    page.get_by_role("button", name="Save and continue").click()

    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("I have read the agreement").check()
    page.get_by_label("Your full name, as signature").fill("Dana Doe")
    page.get_by_role("button", name="Submit the application").click()
    assert page.locator("#application-status").inner_text() == "Waiting for review"

    # A state official approves it.
    as_signed_in(page, live_server, UserFactory(roles=[Role.STATE_OFFICIAL]))
    page.goto(f"{url}/state/")
    page.get_by_role("link", name="Open the review queue").click()
    page.get_by_role("link", name="Blue Ridge Family Clinic").click()
    page.get_by_role("button", name="Approve").click()
    assert page.locator("#application-status").inner_text() == "Approved"
    pin = page.locator("#organization-pin").inner_text()
    assert re.fullmatch(r"NCA\d{6}", pin)

    # The applicant, now its administrator, signs in and sees the PIN in the provider portal.
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{url}/provider/")
    assert "Acting for Blue Ridge Family Clinic" in page.content()
    assert pin in page.content()

    approvals = [m for m in mail.outbox if m.to == [EMAIL] and "approved" in m.subject]
    assert len(approvals) == 1
    assert pin in approvals[0].body
