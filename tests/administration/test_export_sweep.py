"""Export jobs whose task was lost or whose worker died go back to work (issue 13, finding 7)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from administration.enums import ExportKind, ExportStatus
from administration.models import ExportJob
from administration.services import files
from cvms.celery import app
from cvms.emails import CLAIM_TIMEOUT
from cvms.hooks import contributions
from cvms.roles import Role

LONG_AGO = timedelta(hours=2)  # longer than any live worker's job (the hard time limit)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def job(personas):
    return ExportJob.objects.create(
        kind=ExportKind.CVRS,
        params={"start": "2021-01-01", "end": "2021-01-31"},
        requested_by=personas.home[Role.STATE_OFFICIAL],
    )


def sweep(capture, *, now):
    with capture(execute=True):
        return files.jobs_sweep(now=now)


def test_a_job_whose_worker_died_is_made_by_another(job, django_capture_on_commit_callbacks):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, claimed_at=timezone.now() - LONG_AGO
    )

    assert sweep(django_capture_on_commit_callbacks, now=timezone.now()) == 1

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ExportStatus.DONE, 1)
    assert job.file


def test_a_running_job_younger_than_the_time_limit_is_left_to_its_worker(
    job, django_capture_on_commit_callbacks
):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, claimed_at=timezone.now())

    later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    assert sweep(django_capture_on_commit_callbacks, now=later) == 0

    assert ExportJob.objects.get().status == ExportStatus.RUNNING


def test_a_job_whose_task_was_lost_is_published_again_once_per_timeout(
    job, django_capture_on_commit_callbacks
):
    assert sweep(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(minutes=1)) == 0

    with django_capture_on_commit_callbacks(execute=False):  # published, then lost again
        assert files.jobs_sweep(now=timezone.now() + CLAIM_TIMEOUT + timedelta(minutes=1)) == 1
    assert files.jobs_sweep(now=timezone.now() + CLAIM_TIMEOUT + timedelta(minutes=2)) == 0

    assert sweep(django_capture_on_commit_callbacks, now=timezone.now() + 3 * CLAIM_TIMEOUT) == 1
    assert ExportJob.objects.get().status == ExportStatus.DONE


def test_a_job_that_keeps_losing_its_worker_fails_with_a_message(job, django_capture_on_commit_callbacks):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, claimed_at=timezone.now() - LONG_AGO, attempts=files.MAX_HANDOVERS
    )

    assert sweep(django_capture_on_commit_callbacks, now=timezone.now()) == 0

    job.refresh_from_db()
    assert (job.status, job.error) == (
        ExportStatus.FAILED,
        "Making the file stopped 4 times without finishing. Ask for it again.",
    )


def test_beat_runs_the_outbox_sweep_every_minute_and_it_runs_every_apps_sweep(
    job, django_capture_on_commit_callbacks
):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, claimed_at=timezone.now() - LONG_AGO
    )
    schedule = settings.CELERY_BEAT_SCHEDULE["cvms.outbox_sweep"]
    app.loader.import_default_modules()

    with django_capture_on_commit_callbacks(execute=True):
        app.tasks[schedule["task"]]()  # as beat calls it

    assert schedule["schedule"] == 60
    assert [f.__module__ for f in contributions("background_sweep")] == [
        "employers.hooks",
        "administration.hooks",
    ]
    assert ExportJob.objects.get().status == ExportStatus.DONE
