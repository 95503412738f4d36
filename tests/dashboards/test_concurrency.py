"""The summaries' refresh under concurrent workers, with real threads against PostgreSQL: the
lock's test, and its control without the lock (tests/test_locks.py)."""

import pytest

from dashboards import services
from dashboards.models import DoseDay
from tests.concurrency import locks_disabled, pause_before, run_together
from tests.dashboards.factories import scene

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _refresh_twice(monkeypatch):
    scene()
    rows = DoseDay.objects.count()
    pause_before(monkeypatch, services, "_doses_rebuild", 0.3)  # past the watermark, not yet rebuilt
    return rows, [lambda: services.summaries_refresh(full=True)] * 2


def test_two_refreshes_at_once_take_turns_and_count_each_dose_once(monkeypatch):
    rows, works = _refresh_twice(monkeypatch)

    results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert DoseDay.objects.count() == rows


def test_without_the_lock_two_refreshes_rebuild_the_same_days_over_each_other(monkeypatch):
    """The control of the watermark's lock."""
    rows, works = _refresh_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert [r for r in results if isinstance(r, Exception)] or DoseDay.objects.count() != rows, results
