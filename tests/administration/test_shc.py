"""SMART Health Cards against the specification and its test vector (tests/fixtures/shc_test_vector.json)."""

import json
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from qrcode.image.pil import PilImage

from administration.reporting import keys, shc

VECTOR = json.loads((Path(__file__).parents[1] / "fixtures" / "shc_test_vector.json").read_text())

PATIENT = shc.CardPatient(family="López", given=("Ana", "María"), birth_date=date(1950, 3, 4))
DOSES = [  # both given after the vaccinator checked an identity document (the card claims IAL1.2)
    shc.CardDose(
        cvx="208",
        occurred_on=date(2021, 2, 5),
        performer="Wake Health",
        lot_number="EL9262",
        identity_checked=True,
    ),
    shc.CardDose(
        cvx="208",
        occurred_on=date(2021, 1, 15),
        performer="Wake Health",
        lot_number="EL9261",
        identity_checked=True,
    ),
]
ISSUED = datetime(2021, 3, 1, 12, tzinfo=UTC)


def _issue(key):
    bundle = shc.immunization_bundle(PATIENT, DOSES)
    return bundle, shc.jws_sign(
        shc.card_payload(bundle, issuer="https://cvms.example.org", issued_at=ISSUED), key
    )


def test_reference_vector_verifies_with_its_published_key():
    payload = shc.jws_verify(VECTOR["jws"], [VECTOR["issuer_public_jwk"]])
    assert payload == VECTOR["jws_payload_expanded"]
    assert shc.jws_header(VECTOR["jws"]) == VECTOR["jws_header"]


def test_reference_vector_qr_numeric_decodes_to_its_jws():
    assert shc.qr_numeric_decode(VECTOR["qr_numeric"]) == VECTOR["jws"]
    assert shc.qr_numeric(VECTOR["jws"]) == VECTOR["qr_numeric"]


def test_kid_is_the_rfc_7638_thumbprint_of_the_published_key():
    public_key = shc.public_key_from_jwk(VECTOR["issuer_public_jwk"])
    assert shc.jwk_thumbprint(public_key) == VECTOR["issuer_public_jwk"]["kid"]
    assert shc.public_jwk(public_key) == VECTOR["issuer_public_jwk"]


def test_issued_card_verifies_with_the_public_key_and_decodes_to_the_expected_bundle():
    key = ec.generate_private_key(ec.SECP256R1())
    bundle, jws = _issue(key)
    payload = shc.jws_verify(jws, shc.jwks([key.public_key()]))
    assert payload == {
        "iss": "https://cvms.example.org",
        "nbf": int(ISSUED.timestamp()),
        "vc": {
            "type": ["https://smarthealth.cards#health-card"],
            "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": bundle},
        },
    }
    assert bundle == {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "resource:0",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "López", "given": ["Ana", "María"]}],
                    "birthDate": "1950-03-04",
                },
            },
            *[
                {
                    "fullUrl": f"resource:{n}",
                    "resource": {
                        "resourceType": "Immunization",
                        "meta": {"security": [{"system": "https://smarthealth.cards/ial", "code": "IAL1.2"}]},
                        "status": "completed",
                        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
                        "patient": {"reference": "resource:0"},
                        "occurrenceDateTime": day,
                        "performer": [{"actor": {"display": "Wake Health"}}],
                        "lotNumber": lot,
                    },
                }
                for n, day, lot in ((1, "2021-01-15", "EL9261"), (2, "2021-02-05", "EL9262"))
            ],
        ],
    }


def test_issued_card_header_signature_and_compression_follow_the_spec():
    key = ec.generate_private_key(ec.SECP256R1())
    _, jws = _issue(key)
    _header_b64, payload_b64, signature_b64 = jws.split(".")
    assert shc.jws_header(jws) == {"zip": "DEF", "alg": "ES256", "kid": shc.jwk_thumbprint(key.public_key())}
    assert len(shc.b64url_decode(signature_b64)) == 64  # r||s, not DER
    raw = shc.b64url_decode(payload_b64)
    with pytest.raises(zlib.error):
        zlib.decompress(raw)  # no zlib header: raw DEFLATE
    assert b" " not in zlib.decompress(raw, -15).replace(b"Wake Health", b"")  # minified
    assert "=" not in jws


def test_card_signed_by_another_key_does_not_verify():
    _, jws = _issue(ec.generate_private_key(ec.SECP256R1()))
    other = shc.public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    other["kid"] = shc.jws_header(jws)["kid"]  # even under the right kid
    with pytest.raises(shc.InvalidCard, match="doesn't verify"):
        shc.jws_verify(jws, [other])


def test_tampered_card_does_not_verify():
    key = ec.generate_private_key(ec.SECP256R1())
    _, jws = _issue(key)
    header, _payload, signature = jws.split(".")
    forged = shc.b64url(shc.deflate_raw(json.dumps({"iss": "https://evil.example"}).encode()))
    with pytest.raises(shc.InvalidCard):
        shc.jws_verify(f"{header}.{forged}.{signature}", shc.jwks([key.public_key()]))


def test_card_with_unknown_kid_is_refused():
    with pytest.raises(shc.InvalidCard, match="kid"):
        shc.jws_verify(VECTOR["jws"], [])


def test_qr_code_has_the_two_segments_and_reads_back_as_the_numeric_string():
    _, jws = _issue(ec.generate_private_key(ec.SECP256R1()))
    code = shc.qr_code(jws)
    byte_segment, numeric_segment = code.data_list
    assert (byte_segment.mode, byte_segment.data) == (4, b"shc:/")  # 4: byte mode
    assert numeric_segment.mode == 1  # numeric mode
    assert code.version <= 22
    # Every QR code found in the image (a random key now and then gave a second, spurious
    # reading in CI) holds exactly the numeric string.
    read = zxingcpp.read_barcodes(
        code.make_image(image_factory=PilImage).get_image(), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert {result.text for result in read} == {shc.qr_numeric(jws)}
    assert shc.qr_numeric_decode(read[0].text) == jws


def test_reference_vector_qr_image_decodes_and_verifies():
    (read,) = zxingcpp.read_barcodes(
        shc.qr_code(VECTOR["jws"]).make_image(image_factory=PilImage).get_image(),
        formats=zxingcpp.BarcodeFormat.QRCode,
    )
    assert (
        shc.jws_verify(shc.qr_numeric_decode(read.text), [VECTOR["issuer_public_jwk"]])
        == VECTOR["jws_payload_expanded"]
    )


def test_qr_svg_is_an_svg_document():
    svg = shc.qr_svg(VECTOR["jws"])
    assert svg.startswith("<svg") and "<path" in svg


def test_jws_too_long_for_one_qr_code_is_refused():
    with pytest.raises(ValueError, match="one QR code holds 1195"):
        shc.qr_numeric("a" * 1196)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shc:/5676X9", "pairs of digits"),
        ("shc:/567", "pairs of digits"),
        ("shc:/99", "too big"),
        ("56", "shc:/"),
    ],
)
def test_bad_qr_numeric_is_refused(text, message):
    with pytest.raises(shc.InvalidCard, match=message):
        shc.qr_numeric_decode(text)


def test_smart_health_card_file_lists_the_credentials():
    assert json.loads(shc.card_file(["a.b.c"])) == {"verifiableCredential": ["a.b.c"]}


def test_issuer_with_a_trailing_slash_is_refused():
    with pytest.raises(ValueError, match="slash"):
        shc.card_payload({}, issuer="https://cvms.example.org/", issued_at=ISSUED)


# --- the key from the settings -------------------------------------------------------------------


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_signing_key_is_read_from_a_pem_setting(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.SHC_PRIVATE_KEY = _pem(key)
    assert keys.signing_key().private_numbers() == key.private_numbers()
    assert keys.published_jwks() == {"keys": [shc.public_jwk(key.public_key())]}


def test_signing_key_is_read_from_a_jwk_file(settings, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = shc.public_jwk(key.public_key()) | {
        "d": shc.b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    }
    path = tmp_path / "shc.jwk"
    path.write_text(json.dumps(jwk))
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE = "", str(path)
    assert keys.signing_key().private_numbers() == key.private_numbers()


def test_published_jwks_never_holds_a_private_part(settings):
    settings.SHC_PRIVATE_KEY, settings.SHC_DEVELOPMENT_KEY, settings.DEBUG = "", True, True
    retired = shc.public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()) | {"d": "secret"}
    settings.SHC_RETIRED_PUBLIC_KEYS = json.dumps([retired])
    published = keys.published_jwks()["keys"]
    assert len(published) == 2 and all("d" not in jwk for jwk in published)


def test_no_key_and_no_development_key_is_a_configuration_error(settings):
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", False
    with pytest.raises(ImproperlyConfigured, match="SHC_PRIVATE_KEY"):
        keys.signing_key()


def test_rsa_or_other_curve_key_is_refused(settings):
    settings.SHC_PRIVATE_KEY = _pem(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(ImproperlyConfigured, match="P-256"):
        keys.signing_key()


def test_development_key_is_stable_for_one_secret_key(settings):
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", True
    settings.DEBUG = True  # the development key is for DEBUG only
    first = keys.signing_key().private_numbers()
    assert keys.signing_key().private_numbers() == first
    settings.SECRET_KEY = "another secret key for this test only"
    assert keys.signing_key().private_numbers() != first


def test_issuer_must_be_https_in_production(settings):
    settings.SHC_DEVELOPMENT_KEY, settings.SHC_ISSUER = False, "http://cvms.example.org"
    with pytest.raises(ImproperlyConfigured, match="https"):
        keys.issuer()
