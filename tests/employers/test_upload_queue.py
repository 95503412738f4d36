"""A small roster is read and imported while a big roster's invitations wait in their own queue
(issue 18): the routes send each to its queue in Redis, and the uploads' worker (started with
`-Q uploads`, as docker-compose.yml starts it) never takes an invitation batch."""

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from cvms import outbox
from cvms.celery import app, queue_names
from employers.enums import UploadStatus
from employers.models import RosterUpload
from employers.services.uploads import roster_upload_create, roster_upload_import
from employers.tasks import invitations_send_batch

WAITING_BATCHES = 300  # a roster of 30,000 people, sending
ONE_ROW = b"first name,last name,email,date of birth\nRosa,Diaz,rd@example.org,1975-05-05\n"


@pytest.fixture
def broker(settings):
    url = os.environ["CELERY_BROKER_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=url, task_always_eager=False)
    queues = redis.Redis.from_url(url)
    queues.delete(*queue_names())
    # A worker's queues (`-Q uploads`) are chosen on the app itself: put back what it had, or a
    # later test's worker would listen to "uploads" only (tests/cvms/test_celery.py).
    consumed = app.amqp.queues._consume_from
    yield queues
    app.amqp.queues._consume_from = consumed
    queues.delete(*queue_names())
    app.conf.update(task_always_eager=True)


def status_within(upload: RosterUpload, status: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if RosterUpload.objects.get(pk=upload.pk).status == status:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_one_row_upload_is_imported_while_a_big_rosters_invitations_wait_in_their_queue(
    broker, employer, employer_admin
):
    with transaction.atomic():
        for batch in range(WAITING_BATCHES):
            outbox.enqueue(invitations_send_batch, invitation_ids=[10**9 + batch])
    assert broker.llen("invitations") == WAITING_BATCHES

    with start_worker(app, pool="solo", queues=["uploads"], perform_ping_check=False, shutdown_timeout=10):
        file = SimpleUploadedFile(
            "one.csv", b"first name,last name,email,date of birth\nRosa,Diaz,rd@x.org,1975-05-05\n"
        )
        upload = roster_upload_create(organization=employer, file=file, by=employer_admin)
        read = status_within(upload, UploadStatus.VALIDATED, 10)
        roster_upload_import(
            upload=RosterUpload.objects.get(pk=upload.pk), by=employer_admin, changes_confirmed=True
        )
        imported = status_within(upload, UploadStatus.IMPORTED, 10)

    assert (read, imported) == (True, True)
    # The batches are still there, untouched; the small roster's invitation joined them.
    assert broker.llen("invitations") == WAITING_BATCHES + 1
    assert broker.llen("uploads") == 0
