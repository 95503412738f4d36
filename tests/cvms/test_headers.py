"""What every response tells the browser (issue 13, finding 13 and "Headers"): a strict
Content-Security-Policy that no page needs to break, no caching of personal pages, quiet 403s,
private files on disk."""

import logging
import re
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from cvms.roles import Role

BASE = Path(settings.BASE_DIR)


def test_pages_carry_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


# Documents rendered for PDFs and e-mails are not web pages: the browser's policy doesn't apply.
NOT_WEB_PAGES = re.compile(r"(_pdf\.html$|/offline/|/email/|pdf\.html$)")
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+=\"", re.I),
    "style attribute": re.compile(r"\sstyle=\"", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
}


def test_no_web_page_template_needs_inline_script_or_style():
    found = []
    for template in BASE.glob("**/templates/**/*.html"):
        relative = template.relative_to(BASE).as_posix()
        if relative.startswith(".venv/") or NOT_WEB_PAGES.search(relative):
            continue
        text = template.read_text()
        found += [f"{relative}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]

    assert found == []


def test_the_template_scan_finds_inline_script():
    assert INLINE["inline script"].search("<p></p><script>window.print()</script>")
    assert not INLINE["inline script"].search('<script src="/static/cvms/cvms.js"></script>')
    assert INLINE["event handler attribute"].search('<button onclick="return confirm(1)">')


def test_public_pages_may_be_cached_but_personal_ones_not(client, personas):
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")

    client.force_login(personas.home[Role.STATE_OFFICIAL])

    assert "no-store" in client.get(reverse("state:dashboard"))["Cache-Control"]


def test_a_403_answers_a_page_with_a_way_back_and_logs_no_traceback(client, personas, caplog):
    client.force_login(personas.home[Role.RECIPIENT])

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("state:dashboard"))

    assert response.status_code == 403
    assert f'href="{reverse("home")}"' in response.content.decode()
    assert not [record for record in caplog.records if record.exc_info]


def test_stored_files_are_readable_by_the_application_alone(db, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"]}}
    settings.STORAGES["default"]["OPTIONS"] = {"location": str(tmp_path)}
    from django.core.files.storage import storages

    storages._storages.pop("default", None)
    try:
        name = default_storage.save("rosters/2026/roster.csv", ContentFile(b"first_name\n"))
        path = tmp_path / name

        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        storages._storages.pop("default", None)
