from celery import shared_task

from helpdesk import services
from helpdesk.guides import GUIDES


@shared_task
def send_training_reminders():
    """Run hourly by Celery beat (settings: helpdesk-training-reminders)."""
    return services.training_reminders_send()


@shared_task(name="helpdesk.tasks.guide_pdf_make")
def guide_pdf_make(*, slug: str, language: str) -> str:
    """Typeset a user guide as PDF (queued on the PDF workers by the guide's download page)."""
    return GUIDES[slug].pdf_make(language)
