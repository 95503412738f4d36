"""The user guides: one Markdown file per portal in docs/guides/ (and its Spanish in
docs/guides/es/), shown as HTML and as PDF (typeset by a PDF worker, kept in the default storage)."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cvms import outbox
from helpdesk.markdown import render_markdown

GUIDES_DIR = Path(settings.BASE_DIR) / "docs" / "guides"
PDF_FOLDER = "guides"  # in the default storage: the typeset guides
PDF_QUEUED_FOR = 120  # seconds: readers asking meanwhile don't queue the same guide again


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

    def pdf_name(self, language: str | None = None) -> str:
        """Where the guide's PDF is kept (default storage): one file per language and version
        of the Markdown file, so an edited guide is typeset again."""
        language = self.language_for(language)
        version = self._path_in(language).stat().st_mtime_ns
        return f"{PDF_FOLDER}/{self.slug}-{language}-{version}.pdf"

    def pdf_render(self, language: str) -> bytes:
        """The guide typeset by WeasyPrint (about a second: done by a PDF worker, never in a
        reader's request; see helpdesk.services.guide_pdf_request)."""
        from django.template.loader import render_to_string
        from weasyprint import HTML

        html = render_to_string(
            "helpdesk/guide_pdf.html",
            {"guide": self, "body": render_markdown(self.markdown(language)), "language": language},
        )
        # base_url: the guides' folder, so that img/... resolves to the files on disk.
        return HTML(string=html, base_url=str(GUIDES_DIR) + "/").write_pdf()

    def pdf_make(self, language: str) -> str:
        """Typeset the guide into its file, unless it is there already, and remove the files of
        its earlier versions. Returns the file's name."""
        name = self.pdf_name(language)
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(self.pdf_render(language)))
            if saved != name:  # another worker made it meanwhile: keep one
                default_storage.delete(saved)
        stale_prefix = f"{self.slug}-{language}-"
        _folders, files = default_storage.listdir(PDF_FOLDER)
        for other in files:
            if other.startswith(stale_prefix) and f"{PDF_FOLDER}/{other}" != name:
                default_storage.delete(f"{PDF_FOLDER}/{other}")
        return name


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


def guide_pdf_request(guide: Guide, language: str) -> None:
    """Have a PDF worker typeset `guide` (the readers who ask while it is queued wait for the
    same job: one task per guide, language and version, not one per reader)."""
    from helpdesk import tasks  # tasks import this module

    name = guide.pdf_name(language)
    if cache.add(f"helpdesk:guide-pdf-queued:{name}", True, timeout=PDF_QUEUED_FOR):
        outbox.enqueue(tasks.guide_pdf_make, queue=settings.PDF_QUEUE, slug=guide.slug, language=language)
