"""Reference data in the reader's language (issue 17: priority groups and county names were
English on Spanish pages): the registration forms, the self-registration page, the details page
and the eligibility messages."""

import pytest
from django.urls import reverse
from django.utils import translation

from cvms.roles import Role
from enrollment.models import County, PriorityGroup
from recipients import selectors, services
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def test_every_county_and_default_priority_group_has_its_spanish_name():
    assert not County.objects.filter(name_es="").exists()
    assert County.objects.get(name="Wake County").name_es == "Condado de Wake"
    assert County.objects.get(name="New Hanover County").name_es == "Condado de New Hanover"
    assert not PriorityGroup.objects.filter(label_es="").exists()
    assert not PriorityGroup.objects.filter(description_es="").exists()
    assert PriorityGroup.objects.get(code="2").label_es == "Personas de 65 años o más"


def test_names_follow_the_active_language():
    county, group = County.objects.get(name="Wake County"), PriorityGroup.objects.get(code="2")

    with translation.override("es"):
        assert (str(county), group.display_label) == ("Condado de Wake", "Personas de 65 años o más")
        assert str(group) == "Grupo 2: Personas de 65 años o más"
    with translation.override("en"):
        assert (str(county), group.display_label) == ("Wake County", "Anyone 65 or older")


def test_a_group_without_spanish_yet_shows_its_english():
    group = PriorityGroup.objects.create(code="6", position=8, label="Visitors")

    with translation.override("es"):
        assert group.display_label == "Visitors"


def test_the_self_registration_page_lists_the_groups_and_counties_in_spanish(client):
    services.self_registration_set(is_open=True, by=UserFactory(roles=[Role.STATE_OFFICIAL]))
    client.force_login(UserFactory())

    content = client.get(reverse("me:recipients.self_register"), **SPANISH).content.decode()

    assert "2: Personas de 65 años o más" in content  # the form's choice and the list below it
    assert "Cualquier persona de 65 años o más, sin importar su estado de salud" in content
    assert ">Condado de Wake</option>" in content
    assert "Anyone 65 or older" not in content
    assert "Wake County" not in content


def test_the_details_page_and_the_eligibility_message_name_the_group_in_spanish(client, open_group):
    recipient = RecipientFactory(group="2", language="es")
    client.force_login(recipient.user)

    content = client.get(reverse("me:recipients.profile"), **SPANISH).content.decode()

    assert "2: Personas de 65 años o más" in content
    assert "Grupo 2 (Personas de 65 años o más)" in content  # the eligibility message
    with translation.override("es"):
        assert "Personas de 65 años o más" in selectors.eligibility(recipient)["message"]
