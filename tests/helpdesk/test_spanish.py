"""The help portal in Spanish (issue 17): the attachments' help (it was fixed in English when the
form class was defined), the user guides and the knowledge base (a Spanish version, or the
English marked as such with a note)."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from helpdesk.guides import GUIDES, GUIDES_DIR
from tests.helpdesk.factories import ArticleFactory, agent, requester


def test_the_case_forms_attachment_help_follows_the_readers_language(client, db):
    client.force_login(requester())

    spanish = client.get(reverse("help:case.new"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(reverse("help:case.new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Hasta 5 archivos: PDF, PNG, JPEG, GIF, TXT, CSV." in spanish
    assert "Up to 5 files" not in spanish
    assert "Up to 5 files: PDF, PNG, JPEG, GIF, TXT, CSV." in english


# --- the user guides -------------------------------------------------------------------------


def test_the_recipient_guide_is_written_in_spanish_for_a_spanish_reader(client, db):
    content = client.get(
        reverse("help:guide", args=["recipient"]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert '<div class="guide" lang="es">' in content
    assert "Guía del portal para personas vacunadas" in content
    assert 'alt="La página de inicio del portal para personas vacunadas"' in content  # the image too
    assert "Recipient portal guide" not in content
    assert "aún no está traducida" not in content


def test_a_guide_not_translated_yet_is_shown_in_english_marked_and_with_a_note(client, db):
    content = client.get(reverse("help:guide", args=["state"]), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<div class="guide" lang="en">' in content
    assert "Esta guía aún no está traducida: se muestra en inglés." in content

    listing = client.get(reverse("help:guides"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert listing.count("aún sin traducir") == len(GUIDES) - len(list(GUIDES_DIR.glob("es/*.md")))


def test_an_english_reader_gets_the_english_guide(client, db):
    content = client.get(
        reverse("help:guide", args=["recipient"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert '<div class="guide" lang="en">' in content
    assert "Recipient portal guide" in content
    assert "isn't translated yet" not in content


def test_every_spanish_guide_has_the_english_ones_images():
    for spanish in GUIDES_DIR.glob("es/*.md"):
        english = GUIDES_DIR / spanish.name
        images = re.compile(r"\]\((img/[^)]+)\)")
        assert images.findall(spanish.read_text()) == images.findall(english.read_text()), spanish.name


def test_the_spanish_guide_downloads_as_a_spanish_pdf(guide_pdf):
    pdf = guide_pdf("recipient", HTTP_ACCEPT_LANGUAGE="es")

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Guía del portal para personas vacunadas" in text


def test_the_guide_pdfs_waiting_page_is_in_spanish(client, db):
    page = client.get(reverse("help:guide.pdf", args=["recipient"]), HTTP_ACCEPT_LANGUAGE="es")

    assert "Se está preparando el PDF de esta guía." in page.content.decode()
    assert "Esta página se actualiza sola." in page.content.decode()


# --- the knowledge base --------------------------------------------------------------------------


@pytest.fixture
def articles(db):
    translated = ArticleFactory(title="Booking for a parent", body="Sign in as **them**.")
    ArticleFactory(
        title="Pedir cita para un padre", body="Inicie sesión como **él**.", language="es",
        translation_of=translated,
    )  # fmt: skip
    untranslated = ArticleFactory(title="Freezer alarms", body="Keep the door closed.")
    return translated, untranslated


def test_a_spanish_reader_sees_each_article_in_spanish_or_marked_as_english(client, articles):
    content = client.get(reverse("help:kb"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'lang="es">Pedir cita para un padre</a>' in content
    assert "Booking for a parent" not in content
    assert 'lang="en">Freezer alarms</a>' in content
    assert content.count("aún sin traducir") == 1


def test_an_english_reader_sees_the_english_articles_only(client, articles):
    content = client.get(reverse("help:kb"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Booking for a parent" in content and "Freezer alarms" in content
    assert "Pedir cita para un padre" not in content
    assert "not translated yet" not in content


def test_an_article_opens_in_the_readers_language(client, articles):
    translated, untranslated = articles

    spanish = client.get(reverse("help:kb.article", args=[translated.pk]), HTTP_ACCEPT_LANGUAGE="es")
    fallback = client.get(reverse("help:kb.article", args=[untranslated.pk]), HTTP_ACCEPT_LANGUAGE="es")

    assert '<article lang="es">' in spanish.content.decode()
    assert "Inicie sesión como <strong>él</strong>." in spanish.content.decode()
    assert '<article lang="en">' in fallback.content.decode()
    assert (
        "Este artículo aún no está traducido: se muestra en su idioma original." in fallback.content.decode()
    )


def test_an_agent_adds_a_translation_from_the_original(client, db):
    original = ArticleFactory(title="Freezer alarms", category="inventory")
    client.force_login(agent())

    form = client.get(reverse("help:kb.new"), {"translation_of": original.pk}).context["form"]
    response = client.post(
        reverse("help:kb.new"),
        {
            "title": "Alarmas del congelador", "category": "inventory", "language": "es",
            "translation_of": original.pk, "body": "Mantenga la puerta cerrada.", "is_published": "on",
        },
    )  # fmt: skip

    assert form.initial == {"translation_of": original, "category": "inventory", "language": "es"}
    assert response.status_code == 302
    assert original.translations.get().title == "Alarmas del congelador"


def test_a_translation_in_the_originals_language_is_refused(client, db):
    original = ArticleFactory(title="Freezer alarms")
    client.force_login(agent())

    response = client.post(
        reverse("help:kb.new"),
        {"title": "Again", "category": "other", "language": "en", "translation_of": original.pk, "body": "x"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["language"] == [
        "A translation is in another language than its original."
    ]
    assert not original.translations.exists()
