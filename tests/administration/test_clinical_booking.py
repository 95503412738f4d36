"""Booking asks the forecaster (issue 14; issue 17's clinic search): after a refused first dose
the person books a first dose again; the clinics offered are those with doses of a vaccine the
person's next dose may be, on days from when it is due."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from administration.enums import AppointmentStatus
from administration.models import Appointment
from administration.selectors import booking as selectors
from administration.services import booking as services
from administration.services import booking_checks, recording
from cvms.roles import Role
from tests.administration.factories import AdministrationRecordFactory, clinic
from tests.factories import LocationFactory, UserFactory
from tests.inventory.factories import LotFactory, ProductFactory, SeriesRuleFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

FIND = reverse("me:administration.clinics")


def _found(client, **query):
    page = client.get(FIND, {"county": "37183"} | query)
    return {c.pk for c in page.context["clinics"]}


def test_after_a_refused_first_dose_the_person_books_a_first_dose_again(client, open_group):
    person = RecipientFactory(group="2")
    # Tomorrow: a clinic today would need a slot still ahead, which late in the day there is not.
    first_clinic = clinic(days_ahead=1)
    appointment = services.appointment_book(
        recipient=person, slot_id=first_clinic.slots.first().pk, dose_number=1, by=person.user
    )
    recording.refusal_record(
        recipient=person,
        location=first_clinic.location,
        product=first_clinic.product,
        refused_at=timezone.now(),
        reason="03",
        appointment=appointment,
        by=first_clinic.created_by,
    )
    assert selectors.next_dose(person)["dose_number"] == 1
    later = clinic(days_ahead=3)
    client.force_login(person.user)
    page = client.post(
        reverse("me:administration.clinic", kwargs={"clinic_pk": later.pk}),
        {"slot": later.slots.first().pk},
        follow=True,
    )
    assert "Your appointment is booked" in page.content.decode()
    booked = Appointment.objects.get(recipient=person, status=AppointmentStatus.BOOKED)
    assert (booked.dose_number, booked.slot.clinic_id) == (1, later.pk)


def test_clinic_search_offers_only_clinics_with_doses_of_the_next_doses_vaccine_from_its_day(
    client, open_group
):
    person = RecipientFactory(group="2")
    location = LocationFactory()  # Wake county, like the clinics' default
    first = AdministrationRecordFactory(
        recipient=person, location=location, administered_at=timezone.now() - timedelta(days=10)
    )
    product = first.product
    too_soon = clinic(location=location, product=product, days_ahead=5)  # day 15: before day 21
    due = clinic(location=location, product=product, days_ahead=12)  # day 22
    no_doses = clinic(product=product, days_ahead=12, doses=0)
    other_vaccine = clinic(days_ahead=12, product=ProductFactory(name="Novavax test", cvx="211"))
    client.force_login(person.user)

    found = _found(client)

    assert due.pk in found
    assert not found & {too_soon.pk, no_doses.pk, other_vaccine.pk}


def test_clinic_search_for_a_first_dose_leaves_out_clinics_whose_stock_is_all_booked(client, open_group):
    person = RecipientFactory(group="2")
    full = clinic(days_ahead=4, doses=1)
    services.appointment_book(
        recipient=RecipientFactory(group="2"), slot_id=full.slots.first().pk, dose_number=1, by=person.user
    )
    open_one = clinic(days_ahead=4)
    client.force_login(person.user)

    found = _found(client)

    assert open_one.pk in found and full.pk not in found


def test_booking_a_vaccine_the_person_is_too_young_for_is_refused_naming_the_day(open_group):
    """The series rules' minimum age (the priority group's own age check comes first in
    `appointment_book`, so the dose check is asked directly)."""
    today = timezone.localdate()
    child = RecipientFactory(
        group="2", date_of_birth=today.replace(year=today.year - 12) + timedelta(days=10)
    )
    rule = SeriesRuleFactory(min_age_months=144)
    kids_clinic = clinic(product=rule.product, days_ahead=3)
    with pytest.raises(services.NotEligible, match="You are too young for"):
        booking_checks.check_dose(
            recipient=child, clinic=kids_clinic, slot=kids_clinic.slots.first(), dose_number=1
        )
    assert not Appointment.objects.filter(recipient=child).exists()


def test_booking_after_a_complete_series_is_refused(open_group):
    person = RecipientFactory(group="2")
    one_dose = SeriesRuleFactory(primary_doses=1, min_interval_days=None, recommended_interval_days=None)
    location, lot = stock(location=LocationFactory(), lot=LotFactory(product=one_dose.product))
    AdministrationRecordFactory(recipient=person, location=location, lot=lot)
    assert selectors.next_dose(person) is None
    with pytest.raises(services.BookingError, match="series is complete"):
        services.appointment_book(
            recipient=person,
            slot_id=clinic().slots.first().pk,
            dose_number=2,
            by=person.user,
        )


# --- The recipient's "what's next" (from the forecaster) ------------------------------------------


def _record_page(client, person, language="en"):
    client.force_login(person.user)
    client.cookies["django_language"] = language
    return client.get(reverse("me:administration.record"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_record_page_says_when_dose_2_is_due_in_english_and_spanish(client):
    person = RecipientFactory()
    record = AdministrationRecordFactory(recipient=person, administered_at=timezone.now() - timedelta(days=3))
    given_on = timezone.localdate(record.administered_at)
    due = given_on + timedelta(days=21)

    english = _record_page(client, person)
    assert "What's next" in english
    assert f"Dose 2 is due from {date_format(due, 'DATE_FORMAT')}" in english

    spanish = _record_page(client, person, "es")
    assert "Lo que sigue" in spanish
    assert "Le toca la dosis 2 a partir del" in spanish


def test_record_page_says_the_series_is_complete(client):
    person = RecipientFactory()
    one_dose = SeriesRuleFactory(primary_doses=1, min_interval_days=None, recommended_interval_days=None)
    location, lot = stock(location=LocationFactory(), lot=LotFactory(product=one_dose.product))
    AdministrationRecordFactory(recipient=person, location=location, lot=lot)

    assert "Your vaccination series is complete." in _record_page(client, person)


def test_record_page_marks_a_dose_kept_as_not_valid(client):
    person = RecipientFactory()
    location, lot = stock(location=LocationFactory())
    recording.dose_record(
        recipient=person,
        location=location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=1,
            administered_at=timezone.now(),
            volume_ml="0.1",
            invalid_reason="Most of the dose was lost.",
        ),
        by=UserFactory(roles=[Role.VACCINATOR]),
    )

    page = _record_page(client, person)
    assert "not valid: ask the clinic" in page
    assert "You have no valid dose yet: your first dose is due." in page
