"""The dashboards' background work. The schedule is in cvms/settings.py (the dashboards block)."""

from celery import shared_task

from dashboards import services


@shared_task
def summaries_refresh(full: bool = False) -> dict[str, int]:
    """Every minute the days that changed; nightly (full=True) every day."""
    return services.summaries_refresh(full=full)
