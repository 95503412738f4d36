"""Eligibility by the right rule (issue 14): an age-based group is checked against the date of
birth, and a group of occupations, conditions or settings keeps the person's attestation."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from administration.services.booking import NotEligible, appointment_book
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import selectors, services
from recipients.models import Attestation, Recipient
from tests.administration.factories import clinic
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_registration_open(db):
    from tests.recipients.factories import RegistrationSettingsFactory

    return RegistrationSettingsFactory(self_registration_open=True)


def group(code: str) -> PriorityGroup:
    return PriorityGroup.objects.get(code=code)


def open_groups(*codes: str) -> None:
    PriorityGroup.objects.filter(code__in=codes).update(is_open=True, opened_at=timezone.now())


@time_machine.travel("2026-12-01 12:00 -05:00")  # 36 then; 37 from June 2027
def test_a_person_born_in_1990_choosing_65_or_older_is_refused_at_registration(
    client, self_registration_open
):
    open_groups("2")
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/me/register/self/",
        registration_data(date_of_birth="1990-06-01", priority_group=group("2").pk, language="en"),
    )

    errors = response.context["form"].errors
    assert errors["priority_group"] == [
        "Group 2 is for people aged 65 or older; by the date of birth given you are 36."
    ]
    assert not Recipient.objects.filter(user=user).exists()


@time_machine.travel("2026-12-01 12:00 -05:00", tick=False)
def test_a_person_recorded_in_65_or_older_at_36_is_told_they_are_not_eligible_and_cannot_book():
    open_groups("2")
    person = RecipientFactory(group="2", date_of_birth=date(1990, 6, 1))
    the_clinic = clinic()

    told = selectors.eligibility(person)
    with pytest.raises(NotEligible) as refused:
        appointment_book(recipient=person, slot_id=the_clinic.slots.first().pk, dose_number=1, by=person.user)

    assert told["eligible"] is False
    assert "Group 2 is for people aged 65 or older" in told["message"]
    assert "Group 2 is for people aged 65 or older" in str(refused.value)
    assert not person.is_eligible


@pytest.mark.parametrize(
    ("born", "fits"),
    [
        (date(1961, 12, 1), True),  # 65 today
        (date(1961, 12, 2), False),  # 65 tomorrow
    ],
)
@time_machine.travel("2026-12-01 12:00 -05:00", tick=False)
def test_the_age_of_a_group_counts_from_the_birthday_itself(born, fits):
    assert (selectors.group_age_refusal(group("2"), date_of_birth=born) is None) is fits


@time_machine.travel("2026-12-01 12:00 -05:00", tick=False)
def test_a_group_with_an_age_range_refuses_both_sides():
    high_risk = group("4a")  # 16-64 with a high-risk condition

    assert selectors.group_age_refusal(high_risk, date_of_birth=date(1950, 1, 1)) == (
        "Group 4a is for people aged 16 to 64; by the date of birth given you are 76."
    )
    assert selectors.group_age_refusal(high_risk, date_of_birth=date(2012, 1, 1)) == (
        "Group 4a is for people aged 16 to 64; by the date of birth given you are 14."
    )
    assert selectors.group_age_refusal(high_risk, date_of_birth=date(1980, 1, 1)) is None


def test_an_occupation_group_without_the_confirmation_is_refused(client, self_registration_open):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/me/register/self/", registration_data(priority_group=group("1").pk, occupation="", language="en")
    )

    errors = response.context["form"].errors
    assert errors["attest"] == [
        "Group 1 is for people who confirm that it describes them: tick this to confirm."
    ]
    assert errors["occupation"] == ["Group 1 is chosen by occupation: give yours."]
    assert not Recipient.objects.filter(user=user).exists()


def test_an_occupation_group_keeps_who_attested_what_and_when_in_their_language(
    client, self_registration_open
):
    user = UserFactory()

    with time_machine.travel("2026-12-01 09:30 -05:00", tick=False):
        client.force_login(user)
        response = client.post(
            "/me/register/self/",
            registration_data(
                priority_group=group("1").pk, occupation="Enfermera", attest="on", language="es"
            ),
        )

    assert response.status_code == 302
    recipient = Recipient.objects.get(user=user)
    attestation = Attestation.objects.get(recipient=recipient)
    assert attestation.priority_group == group("1")
    assert attestation.kind == "occupation"
    assert attestation.detail == "Enfermera"
    assert attestation.attested_by == user
    assert attestation.attested_at.isoformat() == "2026-12-01T14:30:00+00:00"
    assert attestation.statement.startswith("Confirmo que pertenezco al Grupo 1 (")
    assert attestation.statement.endswith("por mi ocupación.")


def test_a_group_the_date_of_birth_decides_keeps_no_attestation(client, self_registration_open):
    user = UserFactory()
    client.force_login(user)

    client.post("/me/register/self/", registration_data(priority_group=group("2").pk, language="en"))

    assert Recipient.objects.get(user=user).priority_group == group("2")
    assert not Attestation.objects.exists()


def test_a_person_in_the_wrong_group_can_choose_another_on_their_details_page(client):
    person = RecipientFactory(group="2", date_of_birth=date(1990, 6, 1))
    client.force_login(person.user)

    page = client.get("/me/details/")
    refused = client.post("/me/details/", {"priority_group": group("2").pk})
    chosen = client.post("/me/details/", {"priority_group": group("4a").pk, "attest": "on"}, follow=True)

    assert "You are not eligible in this group" in page.content.decode()
    assert (
        refused.context["group_form"].errors["priority_group"][0].startswith("Group 2 is for people aged 65")
    )
    person.refresh_from_db()
    assert person.priority_group == group("4a")
    assert Attestation.objects.get(recipient=person).kind == "condition"
    assert chosen.status_code == 200


def test_the_service_refuses_a_group_whatever_form_called_it():
    person = RecipientFactory(date_of_birth=date(1990, 6, 1))

    with pytest.raises(services.GroupRefused):
        services.recipient_priority_group_set(recipient=person, group=group("2"), by=person.user)
    with pytest.raises(services.GroupRefused):
        services.recipient_priority_group_set(recipient=person, group=group("3b"), by=person.user)

    person.refresh_from_db()
    assert person.priority_group is None


def test_the_state_sees_who_attested_what_and_when_on_the_record(client):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    person = RecipientFactory(date_of_birth=date(1980, 1, 1))
    services.recipient_priority_group_set(
        recipient=person, group=group("1"), by=person.user, attested=True, detail="Nurse"
    )
    client.force_login(official)

    page = client.get(f"/state/recipients/{person.pk}/").content.decode()

    assert "I confirm that I belong to Group 1 (" in page
    assert "(Nurse) — " + person.user.email in page
