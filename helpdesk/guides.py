"""The user guides: one Markdown file per portal in docs/guides/, shown as HTML and as PDF."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from helpdesk.markdown import render_markdown

GUIDES_DIR = Path(settings.BASE_DIR) / "docs" / "guides"


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str

    @property
    def path(self) -> Path:
        return GUIDES_DIR / f"{self.slug}.md"

    def markdown(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def html(self):
        # Screenshots are referenced as img/<name>.png; on the web they are static files.
        return render_markdown(
            self.markdown(),
            image_url=lambda src: static(f"guides/{src[4:]}") if src.startswith("img/") else src,
        )

    def pdf(self) -> bytes:
        """The guide as PDF, kept in the cache until the Markdown file changes (a guide takes
        about a second to typeset, and every reader asks for the same bytes)."""
        key = f"helpdesk:guide-pdf:{self.slug}:{self.path.stat().st_mtime_ns}"
        data = cache.get(key)
        if data is None:
            from django.template.loader import render_to_string
            from weasyprint import HTML

            html = render_to_string(
                "helpdesk/guide_pdf.html", {"guide": self, "body": render_markdown(self.markdown())}
            )
            # base_url: the guide's folder, so that img/... resolves to the files on disk.
            data = HTML(string=html, base_url=str(GUIDES_DIR) + "/").write_pdf()
            cache.set(key, data, timeout=24 * 3600)
        return data


GUIDES = {
    guide.slug: guide
    for guide in [
        Guide("state", _("State portal")),
        Guide("provider", _("Provider portal")),
        Guide("employer", _("Employer portal")),
        Guide("recipient", _("Recipient portal")),
        Guide("helpdesk", _("Helpdesk")),
    ]
}
