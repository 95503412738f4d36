"""Forms show each error once, beside its field, with a summary at the top for screen readers
(issue 17: "form errors shown twice")."""

import re

from django.urls import reverse

from tests.enrollment.factories import EnrollmentApplicationFactory
from tests.recipients.factories import RecipientFactory

SUMMARY = re.compile(
    r'<div class="error-summary mb-3" role="alert" tabindex="-1" data-error-summary>(.*?)\n</div>', re.S
)


def summary_of(content: str) -> str:
    found = SUMMARY.findall(content)
    assert len(found) == 1, f"{len(found)} error summaries"
    return found[0]


def test_a_field_error_is_said_once_beside_its_field_and_linked_from_the_summary(client, db):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(
        reverse("provider:enrollment.step.contact", kwargs={"application_pk": application.pk}),
        {"contact_phone": "555", "save_continue": ""},
    )

    content = response.content.decode()
    error = "Enter a 10-digit US phone number, such as 919-555-0100."
    assert f'<p id="error_1_id_contact_phone"><strong>{error}</strong></p>' in content  # beside the field
    # ... and in the summary for screen readers only (shown to a keyboard user on its link).
    assert (
        f'<li class="visually-hidden-focusable"><a href="#id_contact_phone">Contact phone</a>: {error}</li>'
        in summary_of(content)
    )
    assert content.count(error) == 2


def test_an_error_about_the_whole_form_is_said_once_in_the_summary(client, db):
    response = client.post(
        reverse("help:register"),
        {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org", "code": "NOPE"},
    )

    content = response.content.decode()
    error = "This registration code is not known. Use your provider PIN or the code the state gave you."
    assert content.count(error) == 1
    assert f'<div class="alert alert-danger mb-0"><ul class="mb-0"><li>{error}</li></ul></div>' in summary_of(
        content
    )


def test_a_recipients_form_has_its_summary_in_spanish(client, db):
    recipient = RecipientFactory(language="es")
    client.force_login(recipient.user)

    response = client.post(
        reverse("me:recipients.profile"),
        {"email": recipient.email, "zip_code": "12", "language": "es", "state": "NC"},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    content = response.content.decode()
    summary = summary_of(content)
    assert '<h2 class="visually-hidden">Corrija lo siguiente:</h2>' in summary
    assert 'href="#id_zip_code"' in summary
    assert content.count("Escriba un código postal de 5 dígitos (o 5+4).") == 2  # beside, and for readers


def test_a_page_without_errors_has_no_summary(client, db):
    content = client.get(reverse("help:register")).content.decode()

    assert "data-error-summary" not in content
