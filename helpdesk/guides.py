"""The user guides: one Markdown file per portal in docs/guides/ (and its Spanish in
docs/guides/es/), shown as HTML and as PDF."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from helpdesk.markdown import render_markdown

GUIDES_DIR = Path(settings.BASE_DIR) / "docs" / "guides"


@dataclass(frozen=True)
class Guide:
    """A guide, in English (docs/guides/<slug>.md) and in the languages it has been written in
    (docs/guides/<language>/<slug>.md). A reader whose language it lacks gets the English."""

    slug: str
    title: str

    @property
    def path(self) -> Path:
        return GUIDES_DIR / f"{self.slug}.md"

    def language_for(self, language: str | None = None) -> str:
        """The language the guide is shown in to a reader of `language` (default: the active)."""
        language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        if language != settings.LANGUAGE_CODE and (GUIDES_DIR / language / f"{self.slug}.md").exists():
            return language
        return settings.LANGUAGE_CODE

    def _path_in(self, language: str) -> Path:
        return self.path if language == settings.LANGUAGE_CODE else GUIDES_DIR / language / f"{self.slug}.md"

    def markdown(self, language: str | None = None) -> str:
        return self._path_in(self.language_for(language)).read_text(encoding="utf-8")

    def html(self, language: str | None = None):
        # Screenshots are referenced as img/<name>.png; on the web they are static files.
        return render_markdown(
            self.markdown(language),
            image_url=lambda src: static(f"guides/{src[4:]}") if src.startswith("img/") else src,
        )

    def pdf(self, language: str | None = None) -> bytes:
        """The guide as PDF, kept in the cache until the Markdown file changes (a guide takes
        about a second to typeset, and every reader asks for the same bytes)."""
        language = self.language_for(language)
        path = self._path_in(language)
        key = f"helpdesk:guide-pdf:{self.slug}:{language}:{path.stat().st_mtime_ns}"
        data = cache.get(key)
        if data is None:
            from django.template.loader import render_to_string
            from weasyprint import HTML

            html = render_to_string(
                "helpdesk/guide_pdf.html",
                {"guide": self, "body": render_markdown(self.markdown(language)), "language": language},
            )
            # base_url: the guides' folder, so that img/... resolves to the files on disk.
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
