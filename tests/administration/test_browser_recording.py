"""Acceptance 1, in Chromium: a vaccinator records a dose from an appointment; stock on hand
drops by one; the recipient's record shows the dose and its SMART Health Card QR."""

import pytest
from django.conf import settings

from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.factories import appointment_at, clinic_with_stock, works_at
from tests.clients import SignInClient
from tests.factories import OrganizationFactory, UserFactory, member
from tests.recipients.factories import RecipientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, live_server, user) -> None:
    client = SignInClient()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_vaccinator_records_a_dose_and_the_recipient_sees_it_with_the_card(
    page, live_server, shc_signing_key
):
    organization = OrganizationFactory(name="Wake Health")
    vaccinator = member(organization, Role.VACCINATOR)
    clinic, lot = clinic_with_stock(organization=organization, doses=10)
    works_at(vaccinator, clinic.location)
    person = UserFactory(roles=[Role.RECIPIENT])
    recipient = RecipientFactory(user=person, first_name="Ana", last_name="López")
    appointment_at(clinic, recipient=recipient)

    sign_in_as(page, live_server, vaccinator)
    page.goto(f"{live_server.url}/provider/clinics/{clinic.pk}/")
    page.get_by_role("link", name="Record Ana's dose").click()
    page.get_by_label("Lot").select_option(index=0)
    page.get_by_role("button", name="Record the dose").click()
    page.get_by_text("Dose 1 recorded for Ana López.").wait_for()
    assert inventory_selectors.stock_on_hand(location=clinic.location, lot=lot) == 9

    sign_in_as(page, live_server, person)
    page.goto(f"{live_server.url}/me/record/")
    assert page.get_by_role("cell", name=lot.number).is_visible()
    assert page.get_by_role("img", name="QR code of your SMART Health Card").locator("svg").is_visible()
