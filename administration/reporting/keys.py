"""The state's SMART Health Card signing key, from the settings.

Production: set SHC_PRIVATE_KEY (the PEM or the JWK itself, e.g. from a secret store) or
SHC_PRIVATE_KEY_FILE (a path to it), and SHC_ISSUER (https, no trailing slash: verifiers fetch
SHC_ISSUER + "/.well-known/jwks.json"). Old public keys that signed cards still in people's hands
go in SHC_RETIRED_PUBLIC_KEYS (a JSON list of JWKs) so that they stay published after rotation.

Development and tests: with SHC_DEVELOPMENT_KEY on (its default is DEBUG) and no key given, a
P-256 key is derived from SECRET_KEY, so `make run` signs cards without any secret in the
repository. It is off when DEBUG is off: a production deployment that forgot its key gets an
error, not cards signed with a key nobody published.
"""

import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from administration.reporting.shc import load_private_key, public_jwk

# The order of the P-256 group: a private scalar is in [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _development_key() -> ec.EllipticCurvePrivateKey:
    material = HKDF(algorithm=hashes.SHA256(), length=40, salt=None, info=b"cvms shc development key").derive(
        settings.SECRET_KEY.encode("utf-8")
    )
    return ec.derive_private_key(int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def signing_key() -> ec.EllipticCurvePrivateKey:
    text = settings.SHC_PRIVATE_KEY
    if not text and settings.SHC_PRIVATE_KEY_FILE:
        text = Path(settings.SHC_PRIVATE_KEY_FILE).read_text()
    if text:
        try:
            return load_private_key(text)
        except ValueError as error:
            raise ImproperlyConfigured(f"SHC_PRIVATE_KEY: {error}") from error
    if settings.SHC_DEVELOPMENT_KEY:
        return _development_key()
    raise ImproperlyConfigured(
        "SMART Health Cards need the state's signing key: set SHC_PRIVATE_KEY or SHC_PRIVATE_KEY_FILE."
    )


def issuer() -> str:
    value = settings.SHC_ISSUER.rstrip("/")
    if not value.startswith("https://") and not settings.SHC_DEVELOPMENT_KEY:
        raise ImproperlyConfigured("SHC_ISSUER must be an https URL (verifiers fetch its JWKS over TLS).")
    return value


def published_jwks() -> dict:
    """What /.well-known/jwks.json serves: the current key and the retired ones, public parts only."""
    keys = [public_jwk(signing_key().public_key())]
    retired = json.loads(settings.SHC_RETIRED_PUBLIC_KEYS or "[]")
    keys += [{k: v for k, v in jwk.items() if k != "d"} for jwk in retired]
    return {"keys": keys}
