import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

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
def test_guide_downloads_as_a_pdf_with_its_text_and_screenshots(client, db, slug):
    response = client.get(reverse("help:guide.pdf", args=[slug]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    title = GUIDES[slug].markdown().splitlines()[0].lstrip("# ")
    assert title in text
    assert sum(len(page.images) for page in reader.pages) >= 1


def test_an_unknown_guide_is_not_found(client, db):
    assert client.get(reverse("help:guide", args=["nothing"])).status_code == 404
    assert client.get(reverse("help:guide.pdf", args=["nothing"])).status_code == 404
