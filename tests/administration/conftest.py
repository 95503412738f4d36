import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from enrollment.models import PriorityGroup


@pytest.fixture
def open_group(db):
    """Group 2 (65 and older), open for booking."""
    group = PriorityGroup.objects.get(code="2")
    group.is_open = True
    group.save()
    return group


@pytest.fixture
def shc_signing_key(settings):
    """A real P-256 signing key configured as production configures it (the development key is
    for DEBUG only), with an https issuer."""
    key = ec.generate_private_key(ec.SECP256R1())
    settings.SHC_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", False
    settings.SHC_ISSUER = "https://cvms.example.org"
    return key
