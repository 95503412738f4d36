import pytest
from django.urls import reverse


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


@pytest.fixture
def guide_pdf(client, commit):
    """`guide_pdf(slug, **headers)`: the guide's PDF as a reader gets it: the first request
    answers with the page that waits, the PDF worker's task runs once that request is over (the
    outbox publishes at commit; Celery runs eagerly in the tests), the next request downloads it."""

    def download(slug, **headers):
        url = reverse("help:guide.pdf", args=[slug])
        with commit(execute=True):
            waiting = client.get(url, **headers)
        assert waiting["Content-Type"].startswith("text/html")
        response = client.get(url, **headers)
        assert response["Content-Type"] == "application/pdf", response.content[:200]
        return b"".join(response.streaming_content)

    return download
