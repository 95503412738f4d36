"""Two refreshes of the summaries at once, with real threads against PostgreSQL: the lock on the
watermark makes the second wait for the first, and its control shows the rows doubled without
it (tests/test_locks.py)."""

import pytest

from dashboards import services
from dashboards.models import DoseDay
from tests.concurrency import after, locks_disabled, pause_before, run_together
from tests.dashboards.factories import scene

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _two_full_refreshes(monkeypatch):
    """The first refresh deletes and rebuilds the doses' rows, then waits a moment (before the
    people's) while the second starts."""
    scene()
    rows = DoseDay.objects.count()
    pause_before(monkeypatch, services, "_people_rebuild", 0.6)
    works = [
        lambda: services.summaries_refresh(full=True),
        after(0.2, lambda: services.summaries_refresh(full=True)),
    ]
    return rows, works


def test_two_refreshes_at_once_take_turns_and_leave_one_set_of_rows(monkeypatch):
    rows, works = _two_full_refreshes(monkeypatch)

    results = run_together(works)

    assert [type(result).__name__ for result in results] == ["dict", "dict"], results
    assert DoseDay.objects.count() == rows


def test_without_the_lock_two_refreshes_at_once_double_the_rows(monkeypatch):
    """The control of the watermark's lock: the second refresh's delete waits for the rows the
    first deleted, misses the ones it inserted, and inserts its own beside them."""
    rows, works = _two_full_refreshes(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert [type(result).__name__ for result in results] == ["dict", "dict"], results
    assert DoseDay.objects.count() == 2 * rows
