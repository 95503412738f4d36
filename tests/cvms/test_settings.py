"""Production settings: safe by default and complete enough that `check --deploy` is silent."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="cvms.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_check_deploy_prints_no_warning_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cvms.example.org",
        SITE_URL="https://cvms.example.org",  # for the links of e-mails no request sends
        # SMART Health Cards: the state's signing key and issuer (check --deploy fails without them).
        SHC_PRIVATE_KEY=_signing_key_pem(),
        SHC_ISSUER="https://cvms.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_settings_refuse_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_a_debug_value_they_dont_understand():
    result = run_manage("check", DEBUG="maybe", SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize("value,expected", [("1", True), ("false", False), ("", False), ("YES", True)])
def test_env_bool_reads_common_spellings(monkeypatch, value, expected):
    from cvms.env import env_bool

    monkeypatch.setenv("SOME_FLAG", value)
    assert env_bool("SOME_FLAG") is expected
