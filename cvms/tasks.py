"""The core's Celery tasks: sending the outbox's e-mails, the sweep that keeps every promise
of background work (cvms/outbox.py), and sealing the audit trail (cvms/auditchain.py)."""

from celery import shared_task

from cvms import emails, outbox
from cvms.auditchain import audit_seal


@shared_task(acks_late=True)
def send_email(*, email_id: int) -> str:
    """Send one e-mail of the outbox (a transient refusal puts it back in line: see emails)."""
    return emails.email_send(email_id=email_id)


@shared_task(acks_late=True)
def send_emails(*, email_ids: list[int]) -> dict[str, int]:
    """Send a batch of the outbox's e-mails over one SMTP connection (each ends on its own)."""
    return emails.emails_send(email_ids=email_ids)


@shared_task
def outbox_sweep() -> int:
    """Publish what the broker missed; free e-mails whose worker died (every minute)."""
    return outbox.sweep()


@shared_task
def outbox_forget_dispatched() -> int:
    return outbox.dispatched_delete()


@shared_task(ignore_result=True)
def seal_audit_trail(*, full: bool = False) -> None:
    """Every minute (and a full sweep nightly): chain the audit events written since the last
    run (the schedule is in settings' audit block)."""
    audit_seal(full=full)
