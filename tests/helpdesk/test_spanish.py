"""The help portal's own words in Spanish (issue 17: the attachments' help was English on
Spanish pages, fixed when the form class was defined)."""

from django.urls import reverse

from tests.helpdesk.factories import requester


def test_the_case_forms_attachment_help_follows_the_readers_language(client, db):
    client.force_login(requester())

    spanish = client.get(reverse("help:case.new"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(reverse("help:case.new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Hasta 5 archivos: PDF, PNG, JPEG, GIF, TXT, CSV." in spanish
    assert "Up to 5 files" not in spanish
    assert "Up to 5 files: PDF, PNG, JPEG, GIF, TXT, CSV." in english
