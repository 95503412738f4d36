"""Roster jobs that no live worker holds: handed to a worker again by the sweep (every minute).

A worker claims a roster's reading (queued → validating) with the time; the person's request
to import is noted with the time too. A job claimed longer ago than the hard time limit allows
(CELERY_TASK_TIME_LIMIT, which would have ended a live worker's task) lost its worker: it goes
back to the queue, a few times at most, then fails with a message. A queued job whose task was
lost with the broker's data is published again."""

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.emails import CLAIM_TIMEOUT
from cvms.outbox import job_stale_after
from employers.enums import UploadStatus
from employers.models import RosterError, RosterRow, RosterUpload

# How many times the sweep hands one job to a new worker before it gives up.
MAX_HANDOVERS = 3


def roster_jobs_sweep(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "uploads_requeued": _queued_republish(now) + _stale_requeue(now),
        "imports_requeued": _stale_imports_requeue(now),
    }


def _queued_republish(now) -> int:
    """Uploads still queued long after their task was published: the task was lost."""
    from employers.tasks import roster_validate

    lost = RosterUpload.objects.annotate(since=Coalesce("claimed_at", "created_at")).filter(
        status=UploadStatus.QUEUED, since__lt=now - CLAIM_TIMEOUT
    )
    ids = list(lost.values_list("pk", flat=True)[: outbox.SWEEP_BATCH])
    with transaction.atomic():
        # claimed_at marks when it was published again: not again before the next timeout.
        RosterUpload.objects.filter(pk__in=ids, status=UploadStatus.QUEUED).update(claimed_at=now)
        for upload_id in ids:
            outbox.enqueue(roster_validate, long_job=True, upload_id=upload_id)
    return len(ids)


def _stale_requeue(now) -> int:
    """Readings whose worker died: back to the queue (their staged rows and errors go: the
    next reading starts from the file again), or failed after MAX_HANDOVERS."""
    from employers.tasks import roster_validate

    stale = Q(status=UploadStatus.VALIDATING) & (
        Q(claimed_at__lt=now - job_stale_after()) | Q(claimed_at__isnull=True)
    )
    _give_up(RosterUpload.objects.filter(stale, attempts__gte=MAX_HANDOVERS))
    ids = list(RosterUpload.objects.filter(stale).values_list("pk", flat=True)[: outbox.SWEEP_BATCH])
    requeued = 0
    for upload_id in ids:
        with transaction.atomic():
            taken = RosterUpload.objects.filter(stale, pk=upload_id).update(
                status=UploadStatus.QUEUED, progress=0, claimed_at=now, attempts=F("attempts") + 1
            )
            if taken:
                RosterRow.objects.filter(upload_id=upload_id).delete()
                RosterError.objects.filter(upload_id=upload_id).delete()
                outbox.enqueue(roster_validate, long_job=True, upload_id=upload_id)
                requeued += 1
    return requeued


def _stale_imports_requeue(now) -> int:
    """Imports asked for long ago and not done: the import runs in one transaction, so a dead
    worker's import left nothing behind; its task is published again (it locks the upload and
    checks that it is still to import, so a second delivery does nothing)."""
    from employers.tasks import roster_import

    stale = Q(status=UploadStatus.IMPORTING) & (
        Q(claimed_at__lt=now - job_stale_after()) | Q(claimed_at__isnull=True)
    )
    _give_up(RosterUpload.objects.filter(stale, attempts__gte=MAX_HANDOVERS))
    ids = list(RosterUpload.objects.filter(stale).values_list("pk", flat=True)[: outbox.SWEEP_BATCH])
    with transaction.atomic():
        RosterUpload.objects.filter(stale, pk__in=ids).update(claimed_at=now, attempts=F("attempts") + 1)
        for upload_id in ids:
            outbox.enqueue(roster_import, long_job=True, upload_id=upload_id)
    return len(ids)


def _give_up(uploads) -> None:
    for upload in uploads:
        with translation.override(upload.language):
            message = _(
                "The work on this file stopped %(count)s times without finishing, and nothing was "
                "imported. Upload it again, or split it into smaller files."
            ) % {"count": upload.attempts + 1}
        RosterUpload.objects.filter(pk=upload.pk, status=upload.status).update(
            status=UploadStatus.FAILED, failure=message, finished_at=timezone.now()
        )
        RosterRow.objects.filter(upload_id=upload.pk).delete()
