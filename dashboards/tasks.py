"""The dashboards' background work. The schedule is in cvms/settings.py (the dashboards block)."""

from celery import shared_task

from dashboards import services
from dashboards.views.state import default_pages_draw


@shared_task
def summaries_refresh(full: bool = False) -> dict[str, int]:
    """Every minute the days that changed; nightly (full=True) every day. When anything
    changed, the dashboards' default pages are drawn again at once, for everyone."""
    result = services.summaries_refresh(full=full)
    if result["days"]:  # -1: every day rebuilt; 0: nothing changed, the drawn pages stand
        result["pages"] = default_pages_draw()
    return result
