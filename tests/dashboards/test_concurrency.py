"""The summaries' refresh under concurrent workers, with real threads against PostgreSQL: its
lock's test and its control without the lock (tests/test_locks.py)."""

import pytest

from dashboards import services
from dashboards.models import DoseDay
from dashboards.services import summaries_refresh
from tests.concurrency import locks_disabled, pause_after, run_many
from tests.dashboards.factories import scene

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _two_refreshes_ready(monkeypatch) -> int:
    """Doses summarized once (the watermark row exists); each refresh then sits after rebuilding
    the doses, still inside its transaction, while the other runs. The number of dose-day rows."""
    scene()
    pause_after(monkeypatch, services, "_doses_rebuild")
    return DoseDay.objects.count()


def test_two_refreshes_at_once_rebuild_each_day_once(monkeypatch):
    rows = _two_refreshes_ready(monkeypatch)

    results = run_many(2, lambda: summaries_refresh(full=True))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert rows > 0
    assert DoseDay.objects.count() == rows


def test_without_the_lock_two_refreshes_count_each_dose_twice(monkeypatch):
    rows = _two_refreshes_ready(monkeypatch)

    with locks_disabled():
        results = run_many(2, lambda: summaries_refresh(full=True))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert DoseDay.objects.count() == 2 * rows
