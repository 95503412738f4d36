"""E-mail for people: rendered in their language as HTML and plain text, sent by a Celery task
once the transaction that caused it has committed (nothing is mailed for a rolled-back change).

A message is three templates under templates/email/: `<name>_subject.txt`, `<name>.txt` and
`<name>.html` (the HTML one usually extends email/base.html).
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from cvms.tasks import send_email


def render_email(template: str, context: dict, *, language: str) -> dict:
    with translation.override(language):
        context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"email/{template}_subject.txt", context).strip()
        return {
            "subject": " ".join(subject.splitlines()),
            "text": render_to_string(f"email/{template}.txt", context),
            "html": render_to_string(f"email/{template}.html", context),
        }


def enqueue_email(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    transaction.on_commit(lambda: send_email.delay(to=list(to), subject=subject, text=text, html=html))


def send_templated_email(*, to: str, template: str, context: dict, language: str | None = None) -> None:
    """Render `template` in `language` (default: the site's) and send it after commit."""
    rendered = render_email(template, context, language=language or settings.LANGUAGE_CODE)
    enqueue_email(to=[to], **rendered)
