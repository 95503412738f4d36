from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cvms.roles import Role
from enrollment.models import PriorityGroup
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


@pytest.fixture(autouse=True)
def _english_after_each_test(settings):
    """A request in Spanish leaves its language active in the thread; start each test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def ensure_priority_groups() -> None:
    """North Carolina's groups, as the data migration loads them (a transactional test
    elsewhere in the suite may have flushed them)."""
    for position, code in enumerate(["1", "2", "3a", "3b", "4a", "4b", "5"], start=1):
        PriorityGroup.objects.get_or_create(
            code=code, defaults={"position": position, "label": f"Group {code}"}
        )


@pytest.fixture
def priority_groups(db):
    ensure_priority_groups()


@pytest.fixture
def employer(priority_groups):
    return EmployerFactory(name="Triangle Test Works")


@pytest.fixture
def employer_admin(employer):
    return member(employer, Role.EMPLOYER_ADMIN)


@pytest.fixture
def provider(priority_groups):
    return OrganizationFactory(name="Test Clinic")


@pytest.fixture
def provider_admin(provider):
    return member(provider, Role.PROVIDER_ADMIN)
