"""Issue 14, acceptance 3, in Chromium: a vaccinator gives dose 1 to a walk-in who wasn't
registered and books their dose 2 before they leave; the person's record shows dose 2 due on the
right day; the employer's roster shows them vaccinated after dose 2."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import formats, timezone

from cvms.roles import Role
from employers.enums import InviteeStatus
from tests.administration.factories import clinic, works_at
from tests.administration.test_browser_recording import sign_in_as
from tests.employers.factories import InviteeFactory
from tests.factories import EmployerFactory, LocationFactory, OrganizationFactory, member
from tests.inventory.factories import LotFactory, ProductFactory, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_walk_in_gets_dose_1_books_dose_2_and_the_roster_shows_them_vaccinated_after_dose_2(
    page, live_server
):
    employer = EmployerFactory(name="Triangle Foods")
    employer_admin = member(employer, Role.EMPLOYER_ADMIN)
    InviteeFactory(
        organization=employer,
        first_name="Maya",
        last_name="Chen",
        date_of_birth=date(1985, 3, 4),
        status=InviteeStatus.INVITED,
    )
    provider = OrganizationFactory(name="Wake Health")
    location = LocationFactory(organization=provider, name="Wake Health Cary")
    product = ProductFactory(name="Comirnaty", series_doses=2, min_interval_days=21, dose_volume_ml="0.3")
    lot = LotFactory(product=product, number="EW0150")
    stock(location=location, lot=lot, doses=10)
    vaccinator = member(provider, Role.VACCINATOR)
    works_at(vaccinator, location)
    second_clinic = clinic(location=location, product=product, days_ahead=21, opens_at=time(9))
    due = timezone.localdate() + timedelta(days=21)

    # Dose 1: the walk-in isn't registered; the vaccinator registers them and records the dose.
    sign_in_as(page, live_server, vaccinator)
    page.goto(f"{live_server.url}/provider/records/walk-in/")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("Date of birth").fill("1985-03-04")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Nobody registered with this name and date of birth.").wait_for()
    page.get_by_role("link", name="Register them", exact=True).click()
    page.get_by_label("Legal first name").fill("Maya")
    page.get_by_label("Legal last name").fill("Chen")
    page.get_by_label("Date of birth").fill("1985-03-04")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Street address").fill("200 Elm Street")
    page.get_by_label("City").fill("Cary")
    page.get_by_label("ZIP code").fill("27511")
    page.get_by_role("button", name="Register and record the dose").click()
    page.get_by_text("Maya Chen is registered. Record their dose.").wait_for()
    page.get_by_label("Lot").select_option(index=0)
    page.get_by_label("Dose number").fill("1")
    page.get_by_label("Dose volume (mL)").fill("0.30")
    page.get_by_role("button", name="Record the dose").click()
    page.get_by_text("Dose 1 recorded for Maya Chen.").wait_for()

    # Before they leave: dose 2, at the vaccinator's clinic on the day it is due.
    shown_due = formats.date_format(due, "DATE_FORMAT")
    page.get_by_text(f"Dose 2 is due from {shown_due}.").wait_for()
    page.get_by_label(f"{due:%a %Y-%m-%d} 09:00", exact=False).check()
    page.get_by_role("button", name="Book dose 2").click()
    page.get_by_text("Dose 2 booked for Maya Chen").wait_for()

    # The person's record shows dose 2 due on the right day, and booked.
    page.get_by_role("link", name="The record").click()
    next_dose = page.locator("[data-next-dose]")
    assert f"Dose 2 is due from {shown_due}." in next_dose.inner_text()
    assert f"Dose 2 is booked on {formats.date_format(due, 'DATE_FORMAT')}" in next_dose.inner_text()

    sign_in_as(page, live_server, employer_admin)
    page.goto(f"{live_server.url}/employer/roster/")
    row = page.get_by_role("row").filter(has_text="Chen, Maya")
    assert row.get_by_text("Booked").is_visible()

    # Dose 2, 21 days later, from the appointment.
    slot_start = timezone.make_aware(datetime.combine(due, time(9)))
    with time_machine.travel(slot_start + timedelta(minutes=5), tick=True):
        sign_in_as(page, live_server, vaccinator)
        page.goto(f"{live_server.url}/provider/clinics/{second_clinic.pk}/")
        page.get_by_role("link", name="Record Maya's dose").click()
        page.get_by_label("Lot").select_option(index=0)
        page.get_by_role("button", name="Record the dose").click()
        page.get_by_text("Dose 2 recorded for Maya Chen.").wait_for()
        assert "Nothing more is due: the series is complete." in page.locator("[data-next-dose]").inner_text()

        sign_in_as(page, live_server, employer_admin)
        page.goto(f"{live_server.url}/employer/roster/")
        row = page.get_by_role("row").filter(has_text="Chen, Maya")
        assert row.get_by_text("Vaccinated").is_visible()
