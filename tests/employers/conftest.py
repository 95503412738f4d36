from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cvms.roles import Role
from tests.factories import EmployerFactory, OrganizationFactory, member

FILES = Path(__file__).parent / "files"


def roster_file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    """A file as the browser would send it: one of files/ or `content` under `name`."""
    data = content if content is not None else (FILES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def employer(db):
    return EmployerFactory(name="Triangle Test Works")


@pytest.fixture
def employer_admin(employer):
    return member(employer, Role.EMPLOYER_ADMIN)


@pytest.fixture
def provider(db):
    return OrganizationFactory(name="Test Clinic")


@pytest.fixture
def provider_admin(provider):
    return member(provider, Role.PROVIDER_ADMIN)
