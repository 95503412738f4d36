"""A minor registers with a parent or guardian (issue 16): the immunization registry receives them
as the responsible party with the child's doses (HL7 NK1)."""

import pytest
from django.utils import timezone, translation

from recipients.models import Recipient
from tests.employers.factories import InvitationFactory
from tests.recipients.factories import registration_data
from tests.recipients.test_registration import REGISTER, open_link, prove_by_birth_date

pytestmark = pytest.mark.django_db


def _sixteen_years_ago() -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - 16).isoformat()


def test_a_minor_registering_without_a_parent_or_guardian_is_asked_for_one(client):
    invitation = InvitationFactory()
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)  # the link's holder shows it is theirs

    response = client.post(REGISTER, registration_data(date_of_birth=_sixteen_years_ago(), language="en"))

    errors = response.context["form"].errors
    message = "A person under 18 registers with a parent or guardian: give this."
    assert {
        name: errors[name] for name in ("guardian_first_name", "guardian_last_name", "guardian_relationship")
    } == {
        "guardian_first_name": [message],
        "guardian_last_name": [message],
        "guardian_relationship": [message],
    }
    assert not Recipient.objects.exists()


def test_a_minor_registers_with_their_guardian(client):
    invitation = InvitationFactory()
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)  # the link's holder shows it is theirs

    client.post(
        REGISTER,
        registration_data(
            date_of_birth=_sixteen_years_ago(),
            guardian_first_name="Rosa",
            guardian_last_name="Núñez",
            guardian_relationship="MTH",
        ),
    )

    person = Recipient.objects.get()
    assert (person.guardian_first_name, person.guardian_last_name, person.guardian_relationship) == (
        "Rosa",
        "Núñez",
        "MTH",
    )


def test_an_adult_registers_without_a_guardian(client):
    invitation = InvitationFactory()
    open_link(client, invitation)
    prove_by_birth_date(client, invitation)  # the link's holder shows it is theirs
    client.post(REGISTER, registration_data())
    assert Recipient.objects.get().guardian_relationship == ""


def test_the_guardian_question_reads_in_spanish():
    from recipients.forms import RegistrationForm

    with translation.override("es"):
        form = RegistrationForm(registration_data(date_of_birth=_sixteen_years_ago()))
        form.is_valid()
        label = str(form.fields["guardian_first_name"].label)
        error = form.errors["guardian_relationship"][0]
    assert label == "Madre o tutor: nombre"
    assert error == "Una persona menor de 18 años se registra con su madre, padre o tutor: indíquelo."
