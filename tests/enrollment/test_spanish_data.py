"""The readiness checklist an applicant answers, in the applicant's language (issue 17: reference
data carries Spanish names)."""

import pytest
from django.utils import translation

from enrollment.forms import ReadinessForm
from enrollment.models import ReadinessItem

pytestmark = pytest.mark.django_db


def test_every_default_readiness_item_has_its_spanish():
    assert ReadinessItem.objects.exists()
    assert not ReadinessItem.objects.filter(text_es="").exists()


def test_the_readiness_form_asks_in_the_readers_language():
    items = ReadinessItem.objects.filter(text__startswith="We can report every dose")

    with translation.override("es"):
        field = next(iter(ReadinessForm(items=items, answers={}).fields.values()))
    assert field.label == (
        "Podemos informar al estado de cada dosis que administramos en un plazo de 24 horas."
    )
    assert field.help_text == "A través de CVMS o de un mensaje al registro de vacunación (HL7 VXU)."

    with translation.override("en"):
        field = next(iter(ReadinessForm(items=items, answers={}).fields.values()))
    assert field.label == "We can report every dose we give to the state within 24 hours."


def test_an_item_the_state_added_without_spanish_shows_its_english():
    item = ReadinessItem.objects.create(text="We have a generator.", applies_to="all")

    with translation.override("es"):
        assert item.display_text == "We have a generator."
