"""The recipient's SMART Health Card and the published keys."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from administration.reporting import shc
from administration.services import recording
from cvms.roles import Role
from tests.administration.factories import clinic_with_stock
from tests.administration.test_recording import _details
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(shc_signing_key):
    """Cards are signed with a configured key (the development key is for DEBUG only)."""


def test_jwks_is_public_and_holds_the_signing_key(client):
    answer = client.get("/.well-known/jwks.json")
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "*"
    (jwk,) = answer.json()["keys"]
    assert set(jwk) == {"kty", "kid", "use", "alg", "crv", "x", "y"}


def test_card_file_verifies_with_the_published_key_and_holds_the_persons_doses(client, personas):
    clinic, lot = clinic_with_stock()
    person = personas.home[Role.RECIPIENT]
    recipient = RecipientFactory(user=person, first_name="Ana", last_name="López")
    recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(lot),
        by=personas.home[Role.VACCINATOR],
    )
    client.force_login(person)
    answer = client.get(reverse("me:administration.record.card"))
    assert answer["Content-Type"] == "application/smart-health-card"
    (jws,) = json.loads(answer.content)["verifiableCredential"]
    payload = shc.jws_verify(jws, client.get("/.well-known/jwks.json").json())
    patient, immunization = (
        entry["resource"] for entry in payload["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    )
    assert patient["name"] == [{"family": "López", "given": ["Ana"]}]
    assert immunization["vaccineCode"]["coding"][0]["code"] == lot.product.cvx
    assert immunization["lotNumber"] == lot.number
    assert immunization["occurrenceDateTime"] == timezone.localdate().isoformat()


def test_record_page_shows_the_dose_and_the_card_qr(client, personas):
    clinic, lot = clinic_with_stock()
    person = personas.home[Role.RECIPIENT]
    recipient = RecipientFactory(user=person)
    recording.dose_record(
        recipient=recipient,
        location=clinic.location,
        details=_details(lot),
        by=personas.home[Role.VACCINATOR],
    )
    client.force_login(person)
    text = client.get(reverse("me:administration.record")).content.decode()
    assert lot.number in text and "SMART Health Card" in text and "<svg" in text


def test_no_card_without_a_dose(client, personas):
    person = personas.home[Role.RECIPIENT]
    RecipientFactory(user=person)
    client.force_login(person)
    assert client.get(reverse("me:administration.record.card")).status_code == 404
    assert "<svg" not in client.get(reverse("me:administration.record")).content.decode()


def test_record_page_and_card_read_in_spanish(client, personas):
    clinic, lot = clinic_with_stock()
    person = personas.home[Role.RECIPIENT]
    recording.dose_record(
        recipient=RecipientFactory(user=person),
        location=clinic.location,
        details=_details(lot),
        by=personas.home[Role.VACCINATOR],
    )
    client.force_login(person)
    try:
        text = client.get(reverse("me:administration.record"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    finally:
        translation.activate("en")  # LocaleMiddleware leaves the request's language on the thread
    assert "Descargar la SMART Health Card" in text
    assert "Muestre este código QR para demostrar su vacunación" in text


def test_paper_form_prints_in_spanish():
    import io

    import pypdf

    from administration.offline import documents
    from administration.offline.numbers import form_number_new

    pdf = documents.registration_forms_pdf(
        [documents.RegistrationPage(form_number=form_number_new())],
        heading=documents.FormHeading(organization="Wake Health", location="Raleigh"),
        language="es",
    )
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Formulario de registro del vacunado y administración de la vacuna" in text
    assert "Apellido legal" in text
