"""Background work that survives a broker outage: the transactional outbox.

`enqueue(task, **kwargs)` writes an OutboxTask row inside the caller's transaction and, once it
commits, publishes the Celery task. Publishing can fail (Redis down, restarting, unreachable):
the request still answers normally, the row stays undispatched, and `sweep()` — run by Celery
beat every minute — publishes it later. A task may therefore run twice
(published, then the process died before marking the row): every task is idempotent through the
state of the rows it works on (claims with conditional updates).

Without a broker (`make run`, tests), tasks run in-process right after commit, as before; a
long job (`enqueue(..., long_job=True)`: reading or importing a roster) then runs in a thread of
its own when `TASKS_LONG_IN_THREAD` is on (`make run`), so that the page answers at once and
shows the job's progress as a worker's would, instead of the browser waiting on the request.
"""

import logging
import threading
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cvms.hooks import contributions
from cvms.models import OutboxTask

logger = logging.getLogger(__name__)

# A row younger than this is left to its own after-commit publish, not to the sweep.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 1000


def job_stale_after() -> timedelta:
    """A job (a roster's reading, an export) that a worker claimed longer ago than this has no
    live worker: the hard time limit (CELERY_TASK_TIME_LIMIT) would have ended its task. The
    apps' sweeps hand such jobs to a worker again."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + timedelta(minutes=5)


def enqueue(task, *, queue: str = "", long_job: bool = False, **kwargs) -> OutboxTask:
    """Promise to run `task(**kwargs)` once the current transaction commits. A `long_job`
    whose page shows its progress runs in a thread when tasks run in-process (`make run`)."""
    row = OutboxTask.objects.create(task=task.name, kwargs=kwargs, queue=queue)
    transaction.on_commit(lambda: publish(row, task=task, long_job=long_job))
    return row


def publish(row: OutboxTask, *, task=None, long_job: bool = False) -> bool:
    """Hand the row's task to Celery; True when the broker took it (or it ran in-process)."""
    task = task or current_app.tasks[row.task]
    options = {"queue": row.queue} if row.queue else {}
    # The attempt is counted with its outcome, one UPDATE (a booking's request pays for each
    # statement; a process that dies while publishing leaves the row to the sweep uncounted).
    if long_job and settings.CELERY_TASK_ALWAYS_EAGER and settings.TASKS_LONG_IN_THREAD:
        run_in_thread(task, row.kwargs)
        _attempted(row, dispatched=True)
        return True
    try:
        task.apply_async(kwargs=row.kwargs, **options)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # in-process: the task itself failed; let the caller see it, as before
        _attempted(row, dispatched=False)
        # The broker is unreachable: the sweep will publish it once it's back.
        logger.warning(
            "Could not publish %s (outbox row %s); the sweep will retry", row.task, row.pk, exc_info=True
        )
        return False
    _attempted(row, dispatched=True)
    return True


def _attempted(row: OutboxTask, *, dispatched: bool) -> None:
    changes = {"dispatched_at": timezone.now()} if dispatched else {}
    OutboxTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, **changes)


THREAD_PREFIX = "cvms-task-"


def run_in_thread(task, kwargs: dict) -> threading.Thread:
    """Run an in-process task in a thread of its own, as a worker would: its own database
    connection (closed when it ends), its failure logged rather than raised into a request."""

    def run() -> None:
        try:
            task.apply(kwargs=kwargs, throw=True)
        except Exception:
            logger.exception("The in-process task %s failed", task.name)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"{THREAD_PREFIX}{task.name}", daemon=True)
    thread.start()
    return thread


def sweep(*, now=None) -> int:
    """Publish the promised tasks whose after-commit publish didn't reach the broker, and put
    e-mails whose worker died while sending back in line; then the apps' sweeps (the hook point
    `background_sweep`) hand back their own jobs. Returns how many rows were published here."""
    from cvms.emails import emails_stale_release

    now = now or timezone.now()
    emails_stale_release(now=now)
    rows = OutboxTask.objects.filter(dispatched_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
    published = 0
    for row in rows.order_by("created_at", "pk")[:SWEEP_BATCH]:
        if row.task not in current_app.tasks:
            logger.error("Outbox row %s names an unknown task %s", row.pk, row.task)
            continue
        published += publish(row)
    _apps_sweep(now)
    return published


def _apps_sweep(now) -> None:
    for app_sweep in contributions("background_sweep"):
        try:
            done = app_sweep(now=now)
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise  # in-process (tests, `make run`): let the caller see it
            # One app's failure must not stop the others' (nor the outbox's next run).
            logger.exception("The sweep %s.%s failed", app_sweep.__module__, app_sweep.__name__)
            continue
        if any(done.values()):
            logger.info("%s.%s: %s", app_sweep.__module__, app_sweep.__name__, done)


def dispatched_delete(*, older_than: timedelta = timedelta(days=7), now=None) -> int:
    """Forget rows published long ago (they are only a record of a promise kept)."""
    now = now or timezone.now()
    deleted, _ = OutboxTask.objects.filter(dispatched_at__lt=now - older_than).delete()
    return deleted
