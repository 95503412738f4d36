from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, text: str, html: str = "", from_email: str | None = None):
    """Send one rendered message. SMTP hiccups (OSError) are retried with backoff."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
