import pytest
from django.urls import reverse
from django.utils import translation

from enrollment.models import EnrollmentApplication
from tests.enrollment.factories import EnrollmentApplicationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_wizard_speaks_spanish(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)
    client.cookies["django_language"] = "es"

    page = client.get(
        reverse("provider:enrollment.step.organization", kwargs={"application_pk": application.pk}),
        headers={"accept-language": "es"},
    ).content.decode()

    assert "Guardar y continuar" in page
    assert "Número de licencia o credencial" in page


def test_a_refusal_message_is_in_spanish(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    with translation.override("es"):
        response = client.post(
            reverse("provider:enrollment.step.contact", kwargs={"application_pk": application.pk}),
            {"contact_phone": "555", "save_continue": ""},
            headers={"accept-language": "es"},
        )
        # The form's errors are lazy: read in the reader's language, as the page did.
        assert response.context["form"].errors["contact_phone"] == [
            "Escriba un número de teléfono de EE. UU. de 10 dígitos, como 919-555-0100."
        ]

    assert EnrollmentApplication.objects.get(pk=application.pk).contact_phone == "919-555-0100"


def test_decision_email_is_in_the_applicants_language(django_capture_on_commit_callbacks):
    from django.core import mail

    from cvms.roles import Role
    from enrollment.services.decisions import application_deny
    from tests.enrollment.factories import SubmittedApplicationFactory

    application = SubmittedApplicationFactory(applicant=UserFactory(language="es"), legal_name="Clínica Sol")
    with django_capture_on_commit_callbacks(execute=True):
        application_deny(
            application=application,
            version=application.version,
            reason="Falta la licencia.",
            by=UserFactory(roles=[Role.STATE_OFFICIAL]),
        )

    (message,) = mail.outbox
    assert message.subject == "Se denegó la inscripción de Clínica Sol"
    assert "El estado denegó la inscripción de Clínica Sol por este motivo:" in message.body
