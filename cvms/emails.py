"""E-mail for people: rendered in their language as HTML and plain text, written to the outbox
with the change that caused it, and sent by a Celery worker.

A message is two templates under templates/email/: `<name>_subject.txt` and `<name>.html`, which
extends email/base.html (the site's name, the language, the signature); the plain-text part is
made from the HTML (cvms/mailtext.py), so the two say the same. Links are built with
`cvms.sites.absolute_url`.

Each e-mail is an OutboundEmail row (pending → sending → sent, or failed), written in the
caller's transaction: a rolled-back change mails nothing, and a committed one mails even if the
broker was down at the time (cvms/outbox.py). The task carries the row's id, never the text. A
refusal that retrying can't cure (a 5xx answer: no such mailbox) marks that one e-mail failed; a
transient one (4xx, a dropped connection) is tried again later, with a growing pause.
"""

import html
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cvms import outbox
from cvms.mailtext import html_to_text
from cvms.models import OutboundEmail, OutboxStatus
from cvms.sites import site_url

logger = logging.getLogger(__name__)

# Pauses before the 2nd, 3rd, ... attempt of an e-mail the server refused for now.
RETRY_PAUSES = [timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 720)]
# A worker that claimed an e-mail this long ago and didn't finish has died: the sweep frees it.
CLAIM_TIMEOUT = timedelta(minutes=10)


class SendOutcome(models.TextChoices):
    """What became of one attempt to send an e-mail of the outbox."""

    SENT = "sent"
    RETRY = "retry"  # a transient refusal: back in line for later
    FAILED = "failed"  # refused for good
    SKIPPED = "skipped"  # not ours to send (sent already, or another worker holds it)


def render_email(template: str, context: dict, *, language: str) -> dict:
    """The subject, the HTML part and the plain-text part made from it, in `language`."""
    with translation.override(language):
        context = {"site_name": settings.SITE_NAME, "site_url": site_url(), **context}
        # A subject is plain text: "O'Brien & Sons", not the template's "O&#x27;Brien &amp; Sons".
        subject = html.unescape(" ".join(render_to_string(f"email/{template}_subject.txt", context).split()))
        body = render_to_string(f"email/{template}.html", {"subject": subject, **context})
        return {"subject": subject, "text": html_to_text(body), "html": body}


def enqueue_email(*, to: list[str], subject: str, text: str, html: str = "") -> OutboundEmail:
    """Write the e-mail to the outbox; it is sent once the current transaction commits."""
    from cvms.tasks import send_email

    email = OutboundEmail.objects.create(to=list(to), subject=subject, text=text, html=html)
    outbox.enqueue(send_email, email_id=email.pk)
    return email


def enqueue_email_batch(messages: list[dict]) -> list[OutboundEmail]:
    """Write several e-mails to the outbox (each {"to", "subject", "text", "html"}); once the
    current transaction commits, one task sends them over one SMTP connection. Each still ends
    on its own (`emails_send`), and the sweep sends again what a lost task left pending."""
    from cvms.tasks import send_emails

    if not messages:
        return []
    rows = OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(to=list(m["to"]), subject=m["subject"], text=m["text"], html=m.get("html", ""))
            for m in messages
        ]
    )
    outbox.enqueue(send_emails, email_ids=[row.pk for row in rows])
    return rows


def send_templated_email(
    *, to: str, template: str, context: dict, language: str | None = None
) -> OutboundEmail:
    """Render `template` in `language` (default: the site's) and send it after commit."""
    rendered = render_email(template, context, language=language or settings.LANGUAGE_CODE)
    return enqueue_email(to=[to], **rendered)


def smtp_error_is_transient(error: Exception) -> bool:
    """Whether sending again later may succeed. SMTP's 4xx answers say "not now"; 5xx answers
    say "never" (no such mailbox, refused). `smtplib.SMTPException` is an OSError, so "any
    OSError" would also retry the permanent refusals: they are told apart here."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # A dropped or refused connection, a timeout, a name that didn't resolve: the server, not
    # the message, is the problem.
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def _claim(email_id: int, now) -> bool:
    """Take the e-mail for this worker (pending → sending); False if someone else has it or it
    is done: a task delivered twice sends once."""
    claimed = OutboundEmail.objects.filter(pk=email_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENDING, claimed_at=now
    )
    return claimed == 1


def _message(email: OutboundEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, to=email.to, connection=connection
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def email_send(*, email_id: int, connection=None, now=None) -> SendOutcome:
    """Send one e-mail of the outbox; returns what became of it."""
    now = now or timezone.now()
    if not _claim(email_id, now):
        return SendOutcome.SKIPPED
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        _message(email, connection).send()
    except Exception as error:
        return _failed_attempt(email, error, now=now)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=email.attempts + 1, last_error=""
    )
    return SendOutcome.SENT


def _failed_attempt(email: OutboundEmail, error: Exception, *, now) -> SendOutcome:
    attempts = email.attempts + 1
    transient = smtp_error_is_transient(error)
    if transient and attempts <= len(RETRY_PAUSES):
        # Back in line; the sweep sends it again once the pause has passed.
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboxStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + RETRY_PAUSES[attempts - 1],
            last_error=str(error)[:1000],
        )
        logger.warning("E-mail %s not sent yet (attempt %d): %s", email.pk, attempts, error)
        return SendOutcome.RETRY
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboxStatus.FAILED, attempts=attempts, last_error=str(error)[:1000]
    )
    logger.error("E-mail %s failed for good: %s", email.pk, error)
    return SendOutcome.FAILED


def emails_send(*, email_ids: list[int]) -> dict[str, int]:
    """Send several e-mails over one SMTP connection (a batch of invitations, say); each e-mail
    ends on its own: one refused address doesn't hold back the others."""
    outcome: dict[str, int] = {}
    with get_connection() as connection:
        for email_id in email_ids:
            result = email_send(email_id=email_id, connection=connection)
            outcome[result] = outcome.get(result, 0) + 1
    return outcome


def emails_stale_release(*, now=None) -> list[int]:
    """E-mails whose worker died while sending, or whose pause after a transient refusal is
    over, or whose task the broker lost (taken, then Redis lost its data: the outbox counts it
    published), are published again (the claim keeps a second copy from being sent)."""
    from cvms.tasks import send_email

    now = now or timezone.now()
    stuck = OutboundEmail.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    stuck.update(status=OutboxStatus.PENDING, next_attempt_at=now)
    due = list(
        OutboundEmail.objects.filter(status=OutboxStatus.PENDING)
        .filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: outbox.SWEEP_BATCH]
    )
    published = []
    for email_id in due:
        try:
            send_email.apply_async(kwargs={"email_id": email_id})
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            logger.warning("Could not publish e-mail %s; the next sweep will retry", email_id)
            break
        published.append(email_id)
    # Published once is enough: not again before a worker could have claimed it and died.
    OutboundEmail.objects.filter(pk__in=published, status=OutboxStatus.PENDING).update(
        next_attempt_at=now + CLAIM_TIMEOUT
    )
    return published
