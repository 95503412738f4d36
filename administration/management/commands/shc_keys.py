"""`manage.py shc_keys create -o key.pem`, `manage.py shc_keys rotate`, `manage.py shc_keys check`"""

import json
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from administration.reporting import keys, shc


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Write `data` readable by this user only; a new file appears whole or not at all."""
    if path.exists() and not replace:
        raise CommandError(f"{path} exists: a signing key is never overwritten (use rotate).")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "The state's SMART Health Card signing keys. create: a new P-256 key in a file (never over an "
        "existing one). rotate: a new key in the configured key file, the old key's public part added "
        "to the retired keys, which stay published for the cards it signed. check: the configured key, "
        "issuer and retired keys."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a new signing key")
        create.add_argument("-o", "--output", required=True, help="the PEM file to write (mode 600)")
        rotate = actions.add_parser("rotate", help="replace the signing key, keeping the old one published")
        rotate.add_argument("--key-file", help="the key file (default: SHC_PRIVATE_KEY_FILE)")
        rotate.add_argument("--retired-file", help="the retired keys (default: SHC_RETIRED_PUBLIC_KEYS_FILE)")
        actions.add_parser("check", help="check the configured key, issuer and retired keys")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, output, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        _write_private(Path(output), _pem(key), replace=False)
        kid = shc.jwk_thumbprint(key.public_key())
        self.stdout.write(f"New signing key {kid} written to {output}.")
        self.stdout.write(f"Set SHC_PRIVATE_KEY_FILE={Path(output).resolve()} and SHC_ISSUER (https).")

    def _rotate(self, *, key_file, retired_file, **options):
        key_path = Path(key_file or settings.SHC_PRIVATE_KEY_FILE or "")
        retired_path = Path(retired_file or settings.SHC_RETIRED_PUBLIC_KEYS_FILE or "")
        if not key_path.name or not retired_path.name:
            raise CommandError(
                "Give --key-file and --retired-file (or set SHC_PRIVATE_KEY_FILE and "
                "SHC_RETIRED_PUBLIC_KEYS_FILE)."
            )
        try:
            old = shc.load_private_key(key_path.read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"The current key can't be read from {key_path}: {error}") from error
        retired = json.loads(retired_path.read_text()) if retired_path.exists() else []
        if not isinstance(retired, list):
            raise CommandError(f"{retired_path} must hold a JSON list of JWKs.")
        old_jwk = shc.public_jwk(old.public_key())
        if old_jwk["kid"] not in {jwk.get("kid") for jwk in retired if isinstance(jwk, dict)}:
            retired.append(old_jwk)
        # The old key's public part is published before the new key signs anything.
        _write_private(retired_path, (json.dumps(retired, indent=2) + "\n").encode(), replace=True)
        new = ec.generate_private_key(ec.SECP256R1())
        _write_private(key_path, _pem(new), replace=True)
        self.stdout.write(
            f"Signing key {shc.jwk_thumbprint(new.public_key())} written to {key_path}; "
            f"{old_jwk['kid']} retired and still published ({len(retired)} retired keys in {retired_path})."
        )

    def _check(self, **options):
        problems = keys.configuration_problems()
        for problem in problems:
            self.stderr.write(f"- {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) with the SMART Health Card keys.")
        published = keys.published_jwks()["keys"]
        self.stdout.write(
            f"OK: signing with {published[0]['kid']}; {len(published) - 1} retired key(s) published."
        )
