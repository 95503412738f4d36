"""SMART Health Cards that a production deployment can stand behind (issue 16): `check --deploy`
fails without a real signing key; without one, pages go on without a card instead of failing;
`shc_keys` makes and rotates keys, keeping the retired ones published; a record too long for one
QR code gets one card per vaccine, each verifying; and the identity claim only where it was
checked."""

import json
import secrets
import stat
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord
from administration.reporting import keys, shc
from cvms.roles import Role
from tests.administration.factories import AdministrationRecordFactory
from tests.cvms.test_settings import run_manage
from tests.enrollment.factories import OrganizationFactory
from tests.factories import LocationFactory
from tests.inventory.factories import LotFactory, ProductFactory, SeriesRuleFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def _deploy_check():
    call_command("check", deploy=True, fail_level="ERROR", stdout=None)


@pytest.fixture
def no_key(settings):
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", False
    settings.SHC_ISSUER = "https://cvms.example.org"


# --- check --deploy ------------------------------------------------------------------------------


def test_check_deploy_fails_without_a_signing_key(no_key):
    with pytest.raises(SystemCheckError, match="No signing key: set SHC_PRIVATE_KEY"):
        _deploy_check()


def test_manage_py_check_deploy_fails_without_a_signing_key_in_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cvms.example.org",
        SHC_ISSUER="https://cvms.example.org",
    )

    assert result.returncode != 0
    assert "administration.E001" in result.stderr and "No signing key" in result.stderr


def test_check_deploy_fails_with_the_development_key(no_key, settings):
    settings.SHC_DEVELOPMENT_KEY = True
    with pytest.raises(SystemCheckError, match="SHC_DEVELOPMENT_KEY is on"):
        _deploy_check()


def test_check_deploy_fails_with_an_issuer_without_https(shc_signing_key, settings):
    settings.SHC_ISSUER = "http://cvms.example.org"
    with pytest.raises(SystemCheckError, match="SHC_ISSUER must be an https URL"):
        _deploy_check()


def test_check_deploy_passes_the_cards_with_a_signing_key(shc_signing_key):
    _deploy_check()


def test_the_development_key_is_not_used_with_debug_off(no_key, settings):
    settings.SHC_DEVELOPMENT_KEY, settings.DEBUG = True, False
    assert keys.signing_key_or_none() is None


# --- No key in production: no server errors --------------------------------------------------------


def test_without_a_key_the_record_page_shows_the_doses_and_says_the_card_is_unavailable(
    client, personas, no_key
):
    person = personas.home[Role.RECIPIENT]
    record = AdministrationRecordFactory(recipient=RecipientFactory(user=person))
    client.force_login(person)

    page = client.get(reverse("me:administration.record"))
    card = client.get(reverse("me:administration.record.card"))
    jwks = client.get("/.well-known/jwks.json")

    assert page.status_code == 200 and record.lot.number in page.content.decode()
    assert "Your SMART Health Card can't be made right now" in page.content.decode()
    assert card.status_code == 503
    assert (jwks.status_code, jwks.json()) == (200, {"keys": []})


def test_without_a_key_the_retired_keys_stay_published(client, no_key, settings):
    retired = shc.public_jwk(shc.load_private_key(_new_pem()).public_key())
    settings.SHC_RETIRED_PUBLIC_KEYS = json.dumps([retired])
    assert client.get("/.well-known/jwks.json").json() == {"keys": [retired]}


# --- shc_keys ------------------------------------------------------------------------------------


def _new_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


def test_shc_keys_create_writes_a_private_key_only_its_owner_reads_and_never_over_another(tmp_path, capsys):
    path = tmp_path / "shc.pem"

    call_command("shc_keys", "create", "-o", str(path))

    key = shc.load_private_key(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert shc.jwk_thumbprint(key.public_key()) in capsys.readouterr().out
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("shc_keys", "create", "-o", str(path))
    assert shc.load_private_key(path.read_text()).private_numbers() == key.private_numbers()


def test_shc_keys_rotate_signs_with_a_new_key_and_cards_of_the_old_one_still_verify(
    tmp_path, settings, no_key
):
    key_file, retired_file = tmp_path / "shc.pem", tmp_path / "retired.json"
    call_command("shc_keys", "create", "-o", str(key_file))
    settings.SHC_PRIVATE_KEY_FILE, settings.SHC_RETIRED_PUBLIC_KEYS_FILE = str(key_file), str(retired_file)
    bundle = shc.immunization_bundle(
        shc.CardPatient(
            family="López", given=("Ana",), birth_date=timezone.localdate() - timedelta(days=20000)
        ),
        [shc.CardDose(cvx="208", occurred_on=timezone.localdate())],
    )
    old_card = shc.jws_sign(
        shc.card_payload(bundle, issuer=settings.SHC_ISSUER, issued_at=timezone.now()), keys.signing_key()
    )

    call_command("shc_keys", "rotate")

    published = keys.published_jwks()
    assert len(published["keys"]) == 2
    assert published["keys"][0]["kid"] == shc.jwk_thumbprint(keys.signing_key().public_key())
    assert shc.jws_verify(old_card, published)["vc"]["credentialSubject"]["fhirBundle"] == bundle
    call_command("shc_keys", "check")


def test_shc_keys_check_names_a_retired_key_that_is_not_fit_to_publish(settings, shc_signing_key):
    retired = shc.public_jwk(shc.load_private_key(_new_pem()).public_key()) | {"kid": "not-its-thumbprint"}
    settings.SHC_RETIRED_PUBLIC_KEYS = json.dumps([retired, {"kty": "RSA"}])

    with pytest.raises(CommandError, match="2 problem"):
        call_command("shc_keys", "check")
    assert keys.configuration_problems() == [
        "Retired key 1 has a kid that is not its RFC 7638 thumbprint.",
        "Retired key 2 is not an EC P-256 key.",
    ]
    assert len(keys.published_jwks()["keys"]) == 1  # only the current key: nothing unfit is published


# --- Long records, and the identity claim -----------------------------------------------------------


def _twelve_doses(recipient):
    """Twelve doses of one vaccine, a month apart, each at another provider and from another lot,
    whose names don't repeat (so DEFLATE can't make them short): too long for one QR code.
    (A product whose series has twelve doses: each dose counts.)"""
    product = SeriesRuleFactory(primary_doses=12).product
    for n in range(12):
        organization = OrganizationFactory(name=f"Clínica {uuid.uuid4().hex} del Condado {n}")
        AdministrationRecordFactory(
            recipient=recipient,
            lot=LotFactory(product=product, number=uuid.uuid4().hex[:18].upper()),
            location=LocationFactory(organization=organization),
            dose_number=n + 1,
            administered_at=timezone.now() - timedelta(days=30 * (12 - n)),
        )


def test_a_record_of_twelve_doses_renders_cards_that_all_verify(client, personas, shc_signing_key):
    person = personas.home[Role.RECIPIENT]
    recipient = RecipientFactory(user=person)
    _twelve_doses(recipient)
    client.force_login(person)

    page = client.get(reverse("me:administration.record")).content.decode()
    credentials = json.loads(client.get(reverse("me:administration.record.card")).content)[
        "verifiableCredential"
    ]

    assert len(credentials) > 1 and page.count("<svg") == len(credentials)
    published = client.get("/.well-known/jwks.json").json()
    dates = []
    for jws in credentials:
        assert len(jws) <= shc.MAX_SINGLE_QR_JWS
        entries = shc.jws_verify(jws, published)["vc"]["credentialSubject"]["fhirBundle"]["entry"]
        assert entries[0]["resource"]["resourceType"] == "Patient"
        dates += [entry["resource"]["occurrenceDateTime"] for entry in entries[1:]]
    given = AdministrationRecord.objects.filter(recipient=recipient).order_by("administered_at")
    assert dates == [timezone.localdate(r.administered_at).isoformat() for r in given]  # each dose once


def test_the_card_claims_an_identity_check_only_for_the_doses_where_one_was_recorded(
    client, personas, shc_signing_key
):
    person = personas.home[Role.RECIPIENT]
    recipient = RecipientFactory(user=person)
    product = ProductFactory()
    checked, _unchecked = (
        AdministrationRecordFactory(
            recipient=recipient,
            lot=LotFactory(product=product),
            dose_number=n,
            administered_at=timezone.now() - timedelta(days=days_ago),
        )
        for n, days_ago in ((1, 30), (2, 1))
    )
    AdministrationRecord.objects.filter(pk=checked.pk).update(identity_checked=True)
    client.force_login(person)

    (jws,) = json.loads(client.get(reverse("me:administration.record.card")).content)["verifiableCredential"]

    entries = shc.jws_verify(jws, client.get("/.well-known/jwks.json").json())["vc"]["credentialSubject"][
        "fhirBundle"
    ]["entry"]
    assert [entry["resource"].get("meta") for entry in entries[1:]] == [
        {"security": [{"system": "https://smarthealth.cards/ial", "code": "IAL1.2"}]},
        None,
    ]


def test_a_long_record_reads_in_spanish(client, personas, shc_signing_key):
    from django.utils import translation

    person = personas.home[Role.RECIPIENT]
    _twelve_doses(RecipientFactory(user=person))
    client.force_login(person)
    try:
        page = client.get(reverse("me:administration.record"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    finally:
        translation.activate("en")
    assert "Su registro es demasiado largo para un solo código QR" in page
    assert "COVID-19: " in page and " dosis, del " in page
