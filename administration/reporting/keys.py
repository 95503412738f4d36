"""The state's SMART Health Card signing key, from the settings.

Production: set SHC_PRIVATE_KEY (the PEM or the JWK itself, e.g. from a secret store) or
SHC_PRIVATE_KEY_FILE (a path to it), and SHC_ISSUER (https, no trailing slash: verifiers fetch
SHC_ISSUER + "/.well-known/jwks.json"). Old public keys that signed cards still in people's hands
stay published after a rotation: SHC_RETIRED_PUBLIC_KEYS (a JSON list of JWKs) and/or
SHC_RETIRED_PUBLIC_KEYS_FILE (a file holding that list, which `manage.py shc_keys rotate` keeps).
`manage.py shc_keys create` makes a key; `check --deploy` fails without one.

Development: with SHC_DEVELOPMENT_KEY on and DEBUG on (`make run`), and no key given, a P-256
key is derived from SECRET_KEY, so cards can be tried without any secret in the repository. With
DEBUG off it is never used, whatever SHC_DEVELOPMENT_KEY says: a production deployment that
forgot its key shows records without a card (and `check --deploy` says why), never cards signed
with a key anyone holding SECRET_KEY could derive.
"""

import json
import logging
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from administration.reporting.shc import (
    InvalidCard,
    b64url_decode,
    jwk_thumbprint,
    load_private_key,
    public_jwk,
    public_key_from_jwk,
)

logger = logging.getLogger(__name__)

# The order of the P-256 group: a private scalar is in [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _development_key() -> ec.EllipticCurvePrivateKey:
    material = HKDF(algorithm=hashes.SHA256(), length=40, salt=None, info=b"cvms shc development key").derive(
        settings.SECRET_KEY.encode("utf-8")
    )
    return ec.derive_private_key(int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def development_key_in_use() -> bool:
    return bool(settings.SHC_DEVELOPMENT_KEY and settings.DEBUG and not _configured_key_text())


def _configured_key_text() -> str:
    if settings.SHC_PRIVATE_KEY:
        return settings.SHC_PRIVATE_KEY
    if settings.SHC_PRIVATE_KEY_FILE:
        try:
            return Path(settings.SHC_PRIVATE_KEY_FILE).read_text()
        except OSError as error:
            raise ImproperlyConfigured(f"SHC_PRIVATE_KEY_FILE can't be read: {error}") from error
    return ""


def signing_key() -> ec.EllipticCurvePrivateKey:
    """The key cards are signed with; ImproperlyConfigured when there is none to use."""
    text = _configured_key_text()
    if text:
        try:
            return load_private_key(text)
        except ValueError as error:
            raise ImproperlyConfigured(f"SHC_PRIVATE_KEY: {error}") from error
    if development_key_in_use():
        return _development_key()
    raise ImproperlyConfigured(
        "SMART Health Cards need the state's signing key: set SHC_PRIVATE_KEY or SHC_PRIVATE_KEY_FILE "
        "(manage.py shc_keys create makes one)."
    )


def signing_key_or_none() -> ec.EllipticCurvePrivateKey | None:
    """The signing key, or None (logged) when the deployment has none: pages then go without cards."""
    try:
        return signing_key()
    except ImproperlyConfigured as missing:
        logger.error("SMART Health Cards are unavailable: %s", missing)
        return None


def issuer() -> str:
    value = settings.SHC_ISSUER.rstrip("/")
    if not value.startswith("https://") and not development_key_in_use():
        raise ImproperlyConfigured("SHC_ISSUER must be an https URL (verifiers fetch its JWKS over TLS).")
    return value


def jwk_problems(jwk: object) -> list[str]:
    """What makes `jwk` unfit to publish as a retired SMART Health Card key (empty when fit)."""
    if not isinstance(jwk, dict):
        return ["is not a JSON object"]
    problems = []
    if "d" in jwk:
        problems.append('holds a private key ("d"): publish the public part only')
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        problems.append("is not an EC P-256 key")
        return problems
    try:
        public_key = public_key_from_jwk(jwk)
        b64url_decode(jwk["x"])
    except (KeyError, ValueError, InvalidCard):
        return [*problems, "has no valid x and y on the P-256 curve"]
    if jwk.get("kid") != jwk_thumbprint(public_key):
        problems.append("has a kid that is not its RFC 7638 thumbprint")
    if jwk.get("alg", "ES256") != "ES256" or jwk.get("use", "sig") != "sig":
        problems.append("is not an ES256 signing key")
    return problems


def retired_jwks() -> list:
    """The retired public keys as configured (the setting's list, then the file's)."""
    found = []
    sources = [("SHC_RETIRED_PUBLIC_KEYS", settings.SHC_RETIRED_PUBLIC_KEYS)]
    if settings.SHC_RETIRED_PUBLIC_KEYS_FILE:
        path = Path(settings.SHC_RETIRED_PUBLIC_KEYS_FILE)
        text = path.read_text() if path.exists() else ""
        sources.append((f"SHC_RETIRED_PUBLIC_KEYS_FILE ({path})", text))
    for name, text in sources:
        if not (text or "").strip():
            continue
        try:
            keys = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImproperlyConfigured(f"{name} is not JSON: {error}") from error
        if not isinstance(keys, list):
            raise ImproperlyConfigured(f"{name} must be a JSON list of JWKs.")
        found += keys
    return found


def configuration_problems() -> list[str]:
    """Everything wrong with the SMART Health Card setup, for `check --deploy` and `shc_keys check`."""
    problems = []
    if settings.SHC_DEVELOPMENT_KEY:
        problems.append(
            "SHC_DEVELOPMENT_KEY is on: it derives the signing key from SECRET_KEY, for development only."
        )
    try:
        if not _configured_key_text():
            problems.append(
                "No signing key: set SHC_PRIVATE_KEY or SHC_PRIVATE_KEY_FILE (manage.py shc_keys create)."
            )
        else:
            signing_key()
    except ImproperlyConfigured as error:
        problems.append(str(error))
    if not settings.SHC_ISSUER.startswith("https://"):
        problems.append("SHC_ISSUER must be an https URL (verifiers fetch its JWKS over TLS).")
    try:
        for n, jwk in enumerate(retired_jwks(), start=1):
            problems += [f"Retired key {n} {problem}." for problem in jwk_problems(jwk)]
    except (ImproperlyConfigured, OSError) as error:
        problems.append(str(error))
    return problems


def published_jwks() -> dict:
    """What /.well-known/jwks.json serves: the current key (when there is one) and the retired
    ones, public parts only. A retired entry that isn't a fit public key is left out (and logged)
    rather than failing the key set every verifier needs."""
    current = signing_key_or_none()
    keys = [public_jwk(current.public_key())] if current is not None else []
    try:
        retired = retired_jwks()
    except (ImproperlyConfigured, OSError) as error:
        logger.error("Retired SMART Health Card keys unreadable: %s", error)
        retired = []
    for jwk in retired:
        public = {k: v for k, v in jwk.items() if k != "d"} if isinstance(jwk, dict) else jwk
        if jwk_problems(public):
            logger.error("A retired SMART Health Card key is not published: %s", jwk_problems(public))
        elif public["kid"] not in {key["kid"] for key in keys}:
            keys.append(public)
    return {"keys": keys}
