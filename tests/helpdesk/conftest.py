import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files go to a temporary folder, not the repository's media/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }


@pytest.fixture
def commit(db, django_capture_on_commit_callbacks):
    """`with commit(execute=True): ...` runs what waits for the commit (e-mails) at the block's end."""
    return django_capture_on_commit_callbacks
