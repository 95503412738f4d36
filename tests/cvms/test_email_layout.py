"""E-mails read right (issue 17): one layout with the site's name, the person's language and its
`lang`, plain text without HTML entities, and links to the address the site is reached at."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from cvms.emails import render_email
from cvms.mailtext import html_to_text
from cvms.models import User
from cvms.sites import absolute_url

SIGNUP = {
    "email": "new.person@example.org",
    "first_name": "Nora",
    "last_name": "Person",
    "password1": "a-long-passphrase-9",
    "password2": "a-long-passphrase-9",
}


def sign_up(client, commit, **headers):
    with commit(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP, **headers)
    assert response.status_code == 302
    return mail.outbox[-1]


def test_the_sign_up_verification_names_the_site(client, db, django_capture_on_commit_callbacks):
    message = sign_up(client, django_capture_on_commit_callbacks)

    assert "Hello from CVMS!" in message.body
    assert "Hello from !" not in message.body
    assert message.subject.startswith("[CVMS] ")
    html = message.alternatives[0][0]
    assert '<html lang="en">' in html
    assert "— CVMS" in html and "— CVMS" in message.body  # the layout's signature, in both parts


def test_a_spanish_sign_up_gets_its_verification_in_spanish(client, db, django_capture_on_commit_callbacks):
    message = sign_up(client, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="es")

    assert User.objects.get(email=SIGNUP["email"]).language == "es"
    assert "¡Hola de parte de CVMS!" in message.body  # allauth's Spanish
    assert "Confirme" in message.subject or "confirme" in message.subject.lower()
    assert '<html lang="es">' in message.alternatives[0][0]


def test_links_follow_the_address_of_the_request_when_site_url_is_not_set(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = ""

    message = sign_up(client, django_capture_on_commit_callbacks, HTTP_HOST="vaccines.example.gov:8443")

    assert "http://vaccines.example.gov:8443/accounts/confirm-email/" in message.body
    assert "127.0.0.1:8000" not in message.body
    assert "vaccines.example.gov:8443" in message.body  # allauth's signature names the domain


def test_a_cvms_e_mail_links_to_the_address_of_the_request_that_sent_it(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = ""

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("help:register"),
            {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org", "code": "VAC2021"},
            HTTP_HOST="help.example.gov",
        )

    assert "http://help.example.gov/accounts/login/" in mail.outbox[-1].body


def test_a_set_site_url_wins_over_the_request(client, db, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://vaccines.nc.example"

    message = sign_up(client, django_capture_on_commit_callbacks, HTTP_HOST="internal-host:8000")

    assert "https://vaccines.nc.example/accounts/confirm-email/" in message.body
    assert "internal-host" not in message.body


def test_without_site_url_or_a_request_links_use_the_quick_starts_address(settings):
    settings.SITE_URL = ""

    assert absolute_url("/me/") == "http://127.0.0.1:8000/me/"


def test_the_deploy_check_warns_when_site_url_is_not_set(settings):
    from cvms.sites import site_url_set

    settings.SITE_URL = ""
    assert [warning.id for warning in site_url_set(None)] == ["cvms.W001"]
    settings.SITE_URL = "https://vaccines.nc.example"
    assert site_url_set(None) == []


def test_plain_text_shows_characters_not_html_entities():
    rendered = render_email(
        "employers/invitation",
        {"name": "Seán", "organization": "O'Brien & Sons <Ltd>", "link": "https://x.example/i/1", "days": 14},
        language="en",
    )

    assert "O'Brien & Sons <Ltd> has put you on its list" in rendered["text"]
    assert "&#x27;" not in rendered["text"] and "&amp;" not in rendered["text"]
    assert rendered["subject"] == "O'Brien & Sons <Ltd> invites you to register for a COVID-19 vaccine"
    assert "O&#x27;Brien &amp; Sons &lt;Ltd&gt;" in rendered["html"]  # the HTML part stays escaped
    assert rendered["text"].count("https://x.example/i/1") == 1  # the button's link, once
    assert "Register: https://x.example/i/1" in rendered["text"]


def test_plain_text_is_made_from_the_html_part():
    rendered = render_email(
        "notice",
        {
            "subject": "Your appointment",
            "name": "Rosa",
            "paragraphs": ["It's booked.", "Bring your card."],
            "action_url": "https://x.example/me/",
            "action_label": "See my appointments",
        },
        language="en",
    )

    assert rendered["text"] == (
        "Hello Rosa,\n\nIt's booked.\n\nBring your card.\n\n"
        "See my appointments: https://x.example/me/\n\n— CVMS\n"
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_e_mail_declares_the_language_it_is_written_in(language):
    templates = sorted(
        path.as_posix().split("/templates/email/")[1].removesuffix(".html")
        for path in Path(settings.BASE_DIR).glob("**/templates/email/**/*.html")
        if ".venv" not in path.parts
        and not path.name.startswith("_")
        and path.name not in {"base.html", "wrapped.html"}
    )
    assert "notice" in templates and "employers/invitation" in templates

    for template in templates:
        html = render_email(template, {}, language=language)["html"]
        assert f'<html lang="{language}">' in html, template


def test_html_to_text_keeps_lists_and_links_and_leaves_out_html_only_parts():
    html = (
        '<p class="html-only">CVMS</p><p>Lots:</p><ul><li>A, <b>lot</b> 1</li><li>B</li></ul>'
        '<p>See <a href="https://x.example/kb/">the guide</a> or <a href="https://y.example">'
        "https://y.example</a>.</p><p>Line one<br>line two</p>"
    )

    assert html_to_text(html) == (
        "Lots:\n\n- A, lot 1\n- B\n\nSee the guide: https://x.example/kb/ or https://y.example.\n\n"
        "Line one\nline two\n"
    )
