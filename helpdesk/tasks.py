from celery import shared_task

from helpdesk import services


@shared_task
def send_training_reminders():
    """Run hourly by Celery beat (settings: helpdesk-training-reminders)."""
    return services.training_reminders_send()
