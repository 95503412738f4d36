"""SMART Health Cards: a person's vaccinations as a signed, compact FHIR bundle.

Facts from spec.smarthealth.cards. The card is a JWT-like payload (iss, nbf, vc) around a FHIR R4
Bundle of one Patient and one Immunization per dose, minified, DEFLATEd (raw, no zlib header),
signed as a compact JWS with ES256 (P-256, the 64-byte r||s signature) under a `kid` that is the
key's RFC 7638 thumbprint. The QR code holds `shc:/` (byte mode) and the JWS as digits (numeric
mode, two per character: ord(c) - 45). Chunked QR codes are deprecated (VCI 1.3.0), so a record
whose card would be longer than one QR code holds (1195 characters at error correction L) is
issued as several cards instead (`card_set`): one per vaccine, and a vaccine's doses split over
as many cards as they need, each a whole card that verifies on its own.

A dose claims an identity assurance level (meta.security IAL1.2) only when the vaccinator
recorded that they checked the person's identity document.

The signing key is the state's (settings SHC_PRIVATE_KEY or SHC_PRIVATE_KEY_FILE, a PEM or a
JWK); see `administration.reporting.shc_keys` for how the deployment provides it.
"""

import base64
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

HEALTH_CARD_TYPE = "https://smarthealth.cards#health-card"
FHIR_VERSION = "4.0.1"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
IAL_SYSTEM = "https://smarthealth.cards/ial"
QR_PREFIX = "shc:/"
MAX_SINGLE_QR_JWS = 1195  # characters, at error correction L (version 22)
FILE_CONTENT_TYPE = "application/smart-health-card"
FILE_EXTENSION = ".smart-health-card"


class InvalidCard(ValueError):
    """A card that doesn't verify or doesn't decode; the message says which step failed."""


# --- encodings ---------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64url(value: int) -> str:
    return b64url(value.to_bytes(32, "big"))


def _minified(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def inflate_raw(data: bytes) -> bytes:
    return zlib.decompress(data, -15)


# --- keys --------------------------------------------------------------------------------------


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from a PEM (PKCS#8 or SEC1) or a JWK with "d"."""
    text = text.strip()
    if text.startswith("{"):
        jwk = json.loads(text)
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" not in jwk:
            raise ValueError("The JWK must be a P-256 EC private key (kty EC, crv P-256, with d).")
        key = ec.derive_private_key(int.from_bytes(b64url_decode(jwk["d"]), "big"), ec.SECP256R1())
    else:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("SMART Health Cards are signed with ES256: the key must be an EC P-256 key.")
    return key


def public_key_from_jwk(jwk: dict) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise InvalidCard("The key is not an EC P-256 key.")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"),
        int.from_bytes(b64url_decode(jwk["y"]), "big"),
        ec.SECP256R1(),
    )
    return numbers.public_key()


def jwk_thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638: SHA-256 of the required members in lexicographic order, without whitespace."""
    numbers = public_key.public_numbers()
    members = {"crv": "P-256", "kty": "EC", "x": _int_b64url(numbers.x), "y": _int_b64url(numbers.y)}
    return b64url(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict:
    """The public key as published in /.well-known/jwks.json (never with "d")."""
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "kid": jwk_thumbprint(public_key),
        "use": "sig",
        "alg": "ES256",
        "crv": "P-256",
        "x": _int_b64url(numbers.x),
        "y": _int_b64url(numbers.y),
    }


def jwks(public_keys: Iterable[ec.EllipticCurvePublicKey]) -> dict:
    return {"keys": [public_jwk(key) for key in public_keys]}


# --- the FHIR bundle ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPatient:
    family: str
    given: tuple[str, ...]
    birth_date: date


@dataclass(frozen=True)
class CardDose:
    cvx: str
    occurred_on: date
    performer: str = ""  # the organization's name
    lot_number: str = ""
    identity_checked: bool = False  # the vaccinator checked an identity document
    group: str = ""  # the vaccine it belongs to (CVX vaccine group): a card never mixes two when split


def immunization_bundle(patient: CardPatient, doses: Iterable[CardDose]) -> dict:
    """The FHIR Bundle, in the compact shape the spec asks of cards shown as QR codes:
    no ids, no text, no display, `resource:N` references, only data-minimised elements."""
    entries = [
        {
            "fullUrl": "resource:0",
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": patient.family, "given": [g for g in patient.given if g]}],
                "birthDate": patient.birth_date.isoformat(),
            },
        }
    ]
    for n, dose in enumerate(sorted(doses, key=lambda d: d.occurred_on), start=1):
        immunization = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": CVX_SYSTEM, "code": dose.cvx}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.occurred_on.isoformat(),
        }
        if dose.identity_checked:
            # IAL1.2: identity checked against a document at the dose; claimed only when it was.
            immunization = {"meta": {"security": [{"system": IAL_SYSTEM, "code": "IAL1.2"}]}, **immunization}
        if dose.performer:
            immunization["performer"] = [{"actor": {"display": dose.performer}}]
        if dose.lot_number:
            immunization["lotNumber"] = dose.lot_number
        entries.append({"fullUrl": f"resource:{n}", "resource": immunization})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def card_payload(bundle: dict, *, issuer: str, issued_at: datetime) -> dict:
    if issuer.endswith("/"):
        # Verifiers fetch `iss + "/.well-known/jwks.json"` (https, no trailing slash).
        raise ValueError("The issuer must not end with a slash.")
    return {
        "iss": issuer,
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "type": [HEALTH_CARD_TYPE],
            "credentialSubject": {"fhirVersion": FHIR_VERSION, "fhirBundle": bundle},
        },
    }


def card_set(
    patient: CardPatient, doses: Iterable[CardDose], *, sign: Callable[[dict], str]
) -> list[tuple[str, list[CardDose]]]:
    """The person's cards, each (JWS, its doses): one card when the whole record fits one QR
    code; otherwise one per vaccine (`CardDose.group`), a vaccine's doses in date order over as
    many cards as they need. Each card is a whole bundle (the patient and its doses), so each
    verifies on its own. `sign(bundle)` makes the JWS."""
    doses = sorted(doses, key=lambda d: d.occurred_on)
    whole = sign(immunization_bundle(patient, doses))
    if len(whole) <= MAX_SINGLE_QR_JWS:
        return [(whole, doses)]
    groups: dict[str, list[CardDose]] = {}
    for dose in doses:
        groups.setdefault(dose.group or dose.cvx, []).append(dose)
    cards = []
    for group in groups.values():
        chunk: list[CardDose] = []
        signed = ""
        for dose in group:
            candidate = sign(immunization_bundle(patient, [*chunk, dose]))
            if chunk and len(candidate) > MAX_SINGLE_QR_JWS:
                cards.append((signed, chunk))
                chunk, signed = [dose], sign(immunization_bundle(patient, [dose]))
            else:
                chunk, signed = [*chunk, dose], candidate
        cards.append((signed, chunk))
    return cards


# --- JWS ---------------------------------------------------------------------------------------


def jws_sign(payload: dict, key: ec.EllipticCurvePrivateKey) -> str:
    """Compact JWS: header and DEFLATEd payload, signed with ES256 (r||s, not DER)."""
    header = {"zip": "DEF", "alg": "ES256", "kid": jwk_thumbprint(key.public_key())}
    signing_input = f"{b64url(_minified(header))}.{b64url(deflate_raw(_minified(payload)))}"
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def jws_header(jws: str) -> dict:
    try:
        return json.loads(b64url_decode(jws.split(".")[0]))
    except (ValueError, IndexError) as error:
        raise InvalidCard("The JWS header can't be read.") from error


def jws_verify(jws: str, keys: dict | Iterable[dict]) -> dict:
    """The payload of a card signed by one of `keys` (a JWKS or a list of JWKs)."""
    parts = jws.strip().split(".")
    if len(parts) != 3:
        raise InvalidCard("A compact JWS has three parts.")
    header = jws_header(jws)
    if header.get("alg") != "ES256" or header.get("zip") != "DEF":
        raise InvalidCard("The header must say alg ES256 and zip DEF.")
    candidates = keys["keys"] if isinstance(keys, dict) else list(keys)
    jwk = next((k for k in candidates if k.get("kid") == header.get("kid")), None)
    if jwk is None:
        raise InvalidCard("No published key has the card's kid.")
    signature = b64url_decode(parts[2])
    if len(signature) != 64:
        raise InvalidCard("The signature must be 64 bytes (r||s).")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key_from_jwk(jwk).verify(
            der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature as error:
        raise InvalidCard("The signature doesn't verify.") from error
    try:
        return json.loads(inflate_raw(b64url_decode(parts[1])))
    except (zlib.error, ValueError) as error:
        raise InvalidCard("The payload doesn't inflate to JSON.") from error


# --- QR and file -------------------------------------------------------------------------------


def qr_numeric(jws: str) -> str:
    """`shc:/` followed by two digits per JWS character (ord(c) - 45)."""
    if len(jws) > MAX_SINGLE_QR_JWS:
        raise ValueError(f"The card's JWS has {len(jws)} characters; one QR code holds {MAX_SINGLE_QR_JWS}.")
    return QR_PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws)


def qr_numeric_decode(text: str) -> str:
    if not text.startswith(QR_PREFIX):
        raise InvalidCard("A SMART Health Card QR code starts with shc:/.")
    digits = text[len(QR_PREFIX) :]
    if "/" in digits:  # legacy chunked form shc:/C/N/digits: only single chunks are read here
        raise InvalidCard("Chunked QR codes are deprecated and not read.")
    if len(digits) % 2 or not (digits.isascii() and digits.isdigit()):  # "²" is a digit too
        raise InvalidCard("The QR code's numeric part must be pairs of digits.")
    pairs = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    if any(pair > 77 for pair in pairs):  # 45 + 77 = "z", the highest base64url character
        raise InvalidCard("The QR code holds a number too big for a JWS character.")
    return "".join(chr(pair + 45) for pair in pairs)


def qr_code(jws: str):
    """A `qrcode.QRCode` with the two segments of the spec (byte `shc:/`, numeric JWS)."""
    import qrcode  # imported here: only pages that show a card need it
    from qrcode.util import MODE_8BIT_BYTE, MODE_NUMBER, QRData

    numeric = qr_numeric(jws)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4)
    code.add_data(QRData(QR_PREFIX.encode("ascii"), mode=MODE_8BIT_BYTE, check_data=False))
    code.add_data(QRData(numeric[len(QR_PREFIX) :], mode=MODE_NUMBER))
    code.make(fit=True)
    return code


def qr_svg(jws: str) -> str:
    """The QR code as an SVG document (for the web page and PDFs)."""
    from qrcode.image.svg import SvgPathImage

    image = qr_code(jws).make_image(image_factory=SvgPathImage)
    return image.to_string(encoding="unicode")


def card_file(jws_list: Iterable[str]) -> bytes:
    """The `.smart-health-card` download: {"verifiableCredential": [jws, ...]}."""
    return json.dumps({"verifiableCredential": list(jws_list)}).encode("utf-8")
