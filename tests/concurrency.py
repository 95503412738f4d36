"""One harness for every test that races real threads against PostgreSQL.

Each work runs in its own thread with its own database connection; a barrier releases them at the
same moment, so they really contend for the same rows. Every lock in the services has a thread
test built on `run_together`, and a control test that runs the same race with the lock taken away
(`locks_disabled`) and shows it going wrong: proof that the harness can catch a missing lock
(pretix keeps the same kind of control test, "to ensure that our test setup makes sense").
`tests/test_locks.py` lists every lock site of the code with its thread test and its control.

A race whose window is a few microseconds wide happens only by chance; `pause_before` widens it
(a function of the code under test waits a moment before it runs), and `after` starts a work a
moment later than the others, so that the control goes wrong every time, not now and then.
`after` counts its moment from when a thread reached a pause of the test (not from the start):
on a loaded machine a thread can take longer to start than the moment itself.
"""

import contextlib
import sys
import threading
import time
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

JOIN_SECONDS = 120
# The longest `after` waits for a pause to be reached before it goes anyway (a pause on a path
# the race doesn't take).
REACH_SECONDS = 20

# Set when a thread reaches any pause the running test installed (`pause_before`/`pause_after`
# put a fresh one in place through monkeypatch; None when the test has no pause).
_pause_reached: threading.Event | None = None


def run_together(works: list[Callable[[], object]]) -> list:
    """Run each callable in its own thread, all released at once; return, in order, what each
    returned or the exception it raised."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = works[index]()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    stuck = [thread for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} threads still running after {JOIN_SECONDS} s (a deadlock?)"
    close_old_connections()
    return results


def run_many(count: int, work: Callable[[], object]) -> list:
    """`work` run by `count` threads at once."""
    return run_together([work] * count)


def outcomes(results: list) -> dict[str, int]:
    """How many threads ended each way, by result type name: {"Appointment": 10, "SlotFull": 40}."""
    counted: dict[str, int] = {}
    for result in results:
        name = type(result).__name__
        counted[name] = counted.get(name, 0) + 1
    return counted


def after(seconds: float, work: Callable[[], object]) -> Callable[[], object]:
    """`work`, started `seconds` after the others — after a thread reached one of the test's
    pauses when it has any, so inside the window the pause opened however slow the start was."""
    reached = _pause_reached

    def late():
        if reached is not None:
            reached.wait(timeout=REACH_SECONDS)
        time.sleep(seconds)
        return work()

    return late


def _pause_installed(monkeypatch) -> threading.Event:
    """The test's one 'a pause was reached' event, made with its first pause."""
    if _pause_reached is None:
        monkeypatch.setattr(sys.modules[__name__], "_pause_reached", threading.Event())
    return _pause_reached


def pause_before(monkeypatch, owner, name: str, seconds: float = 0.5, *, meet: int = 0) -> None:
    """Make `owner.name` (a function of the code under test, looked up at call time) wait
    `seconds` before it runs: the thread that reaches it sits inside its race window long enough
    for the others to act there. `meet=N`: as `pause_after`'s."""
    original = getattr(owner, name)
    reached = _pause_installed(monkeypatch)
    meeting = threading.Barrier(meet) if meet else None

    def paused(*args, **kwargs):
        reached.set()
        if meeting is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=REACH_SECONDS)
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, paused)


def pause_after(monkeypatch, owner, name: str, seconds: float = 0.5, *, meet: int = 0) -> None:
    """As `pause_before`, with the wait after `owner.name` returned (after a read, before the
    write that depends on it). `meet=N`: the first N threads to get there also wait for each
    other (for a control where every thread must have read before any writes: on a loaded
    machine one can start later than the pause lasts)."""
    original = getattr(owner, name)
    reached = _pause_installed(monkeypatch)
    meeting = threading.Barrier(meet) if meet else None

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        reached.set()
        if meeting is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=REACH_SECONDS)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(owner, name, paused)


@contextlib.contextmanager
def locks_disabled():
    """Within the block, the helpers of cvms.locking and `select_for_update()` read rows without
    locking them, as code that forgot its lock would. For control tests only."""
    from cvms import locking

    def unlocked(evaluate):
        return evaluate()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(locking, "_locking", unlocked)
        patch.setattr(locking, "_hold_for_share", lambda model, pk, equal=None: True)
        patch.setattr(locking.QuerySet, "select_for_update", lambda self, *a, **k: self)
        yield
