import io
import os
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from cvms.models import OutboxTask
from helpdesk.guides import GUIDES, GUIDES_DIR


@pytest.mark.parametrize("slug", list(GUIDES))
def test_each_portal_has_a_guide_shown_in_the_help_portal(client, db, slug):
    response = client.get(reverse("help:guide", args=[slug]))

    assert response.status_code == 200
    first_heading = GUIDES[slug].markdown().splitlines()[0].lstrip("# ")
    assert f"<h1>{first_heading}</h1>" in response.content.decode()


def test_guide_images_exist_and_are_served_as_static_files(client, db):
    for guide in GUIDES.values():
        for name in re.findall(r"\]\(img/([^)]+)\)", guide.markdown()):
            assert (GUIDES_DIR / "img" / name).exists(), f"{guide.slug}: img/{name} is missing"
    html = client.get(reverse("help:guide", args=["helpdesk"])).content.decode()
    assert 'src="/static/guides/helpdesk-register.png"' in html
    assert client.get("/static/guides/helpdesk-register.png").status_code == 200


def test_guide_list_links_every_guide_and_its_pdf(client, db):
    content = client.get(reverse("help:guides")).content.decode()

    for slug in GUIDES:
        assert reverse("help:guide", args=[slug]) in content
        assert reverse("help:guide.pdf", args=[slug]) in content


@pytest.mark.parametrize("slug", ["provider", "helpdesk"])
def test_guide_downloads_as_a_pdf_with_its_text_and_screenshots(guide_pdf, slug):
    reader = PdfReader(io.BytesIO(guide_pdf(slug)))
    text = " ".join(page.extract_text() for page in reader.pages)
    title = GUIDES[slug].markdown().splitlines()[0].lstrip("# ")
    assert title in text
    assert sum(len(page.images) for page in reader.pages) >= 1


def test_the_guide_pdf_is_typeset_by_a_pdf_worker_not_in_the_request(client, db, commit):
    url = reverse("help:guide.pdf", args=["state"])
    with commit() as published:
        response = client.get(url)

    # The request answers with a page that waits and refreshes, never with the PDF.
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b"%PDF" not in response.content
    assert "The PDF of this guide is being prepared." in response.content.decode()
    assert '<meta http-equiv="refresh" content="3; url=?wait=1">' in response.content.decode()
    task = OutboxTask.objects.get()
    assert (task.task, task.queue, task.kwargs) == (
        "helpdesk.tasks.guide_pdf_make",
        settings.PDF_QUEUE,
        {"slug": "state", "language": "en"},
    )
    # Readers who ask meanwhile wait for the same job.
    client.get(url)
    assert OutboxTask.objects.count() == 1
    assert not default_storage.exists(GUIDES["state"].pdf_name("en"))

    for callback in published:
        callback()  # the worker typesets it
    ready = client.get(url, {"wait": "1"}).content.decode()
    assert "Download the PDF" in ready and "refresh" not in ready
    assert client.get(url)["Content-Type"] == "application/pdf"


def test_an_edited_guide_is_typeset_again_and_its_old_pdf_removed(guide_pdf, settings):
    guide = GUIDES["employer"]
    guide_pdf("employer")
    old = guide.pdf_name("en")
    stat = guide.path.stat()
    try:
        os.utime(guide.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert guide.pdf_name("en") != old
        guide_pdf("employer")
        assert default_storage.exists(guide.pdf_name("en")) and not default_storage.exists(old)
    finally:
        os.utime(guide.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_unknown_guide_is_not_found(client, db):
    assert client.get(reverse("help:guide", args=["nothing"])).status_code == 404
    assert client.get(reverse("help:guide.pdf", args=["nothing"])).status_code == 404
