"""Thin Celery tasks: appointment reminders (the day before), second-dose reminders and the
expired files' cleanup, run by beat (the schedule is in cvms/settings.py, "Administration"), and
the export jobs the portals request. Their names are set explicitly: the schedule names them."""

from celery import shared_task

from administration.services import notifications


@shared_task(name="administration.tasks.send_appointment_reminders")
def send_appointment_reminders() -> int:
    return notifications.reminders_send()


@shared_task(name="administration.tasks.send_next_dose_reminders")
def send_next_dose_reminders() -> int:
    return notifications.next_dose_reminders_send()


@shared_task(name="administration.tasks.appointment_booked_follow_up", acks_late=True)
def appointment_booked_follow_up(*, appointment_id: int, by_id: int | None = None) -> bool:
    """After a booking committed: its confirmation e-mail (once) and the person's roster status."""
    from administration.services import booking

    return booking.appointment_booked_follow_up(appointment_id=appointment_id, by_id=by_id)


@shared_task(name="administration.tasks.export_run")
def export_run(*, job_id: int) -> None:
    """Make a requested file (a registry export, printed forms); a job already taken is skipped."""
    from administration.services import files

    files.export_run(job_id=job_id)


@shared_task(name="administration.tasks.exports_expired_delete")
def exports_expired_delete() -> int:
    from administration.services import files

    return files.jobs_expired_delete()
