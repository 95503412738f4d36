"""Inventory's background work. The daily schedule is registered in cvms/settings.py (the
inventory block at its end)."""

from celery import shared_task

from inventory.services.expiry import expiry_warnings_send


@shared_task
def warn_expiring_lots() -> int:
    """Daily: e-mail locations' administrators about lots expiring within a week."""
    return expiry_warnings_send()
