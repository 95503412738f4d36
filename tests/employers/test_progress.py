"""Under in-process tasks (`make run`), a roster's reading runs in a thread of its own: the
upload answers at once and its page shows the progress, as with a worker."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from cvms.outbox import THREAD_PREFIX
from employers.models import RosterRow, RosterUpload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROSTER = (
    b"First name,Last name,E-mail,Date of birth\n"
    b"Ana,Garcia,ana@example.org,1985-04-23\n"
    b"Ben,Okafor,ben@example.org,1979-11-02\n"
)


class StagingHeld:
    """Another session holds the staging table, so that a reader of the roster waits at its
    first statement on it until `release()`: the page's answers can be read meanwhile."""

    def __init__(self):
        self.taken, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {RosterRow._meta.db_table} IN ACCESS EXCLUSIVE MODE")
                self.taken.set()
                self.done.wait(timeout=60)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(timeout=30)
        return self

    def release(self):
        self.done.set()
        self.thread.join(timeout=30)

    def __exit__(self, *exc):
        self.release()


def task_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def test_upload_answers_at_once_and_shows_progress_while_a_thread_reads_it(
    settings, client, employer, employer_admin
):
    settings.TASKS_LONG_IN_THREAD = True
    client.force_login(employer_admin)

    with StagingHeld() as held:
        response = client.post(
            reverse("employer:employers.uploads"),
            {"file": SimpleUploadedFile("r.csv", ROSTER, content_type="text/csv")},
        )
        upload = RosterUpload.objects.get()
        progress_url = reverse("employer:employers.upload.progress", args=[upload.pk])
        page = client.get(response["Location"]).content.decode()
        while_reading = client.get(progress_url).json()
        held.release()
        for thread in task_threads():
            thread.join(timeout=30)

    assert response.status_code == 302  # answered while the reader waited
    assert while_reading["working"] is True
    assert while_reading["status"] in ("queued", "validating")
    assert 'data-working="1"' in page  # the page polls for progress
    assert client.get(progress_url).json() == {
        "status": "validated",
        "label": "Checked: choose what to import",
        "progress": 100,
        "working": False,
    }
    upload.refresh_from_db()
    assert (upload.rows_valid, upload.rows_new) == (2, 2)
    assert not task_threads()


def test_without_threads_the_upload_is_read_before_the_page_answers(
    settings, client, employer, employer_admin
):
    settings.TASKS_LONG_IN_THREAD = False
    client.force_login(employer_admin)

    client.post(
        reverse("employer:employers.uploads"),
        {"file": SimpleUploadedFile("r.csv", ROSTER, content_type="text/csv")},
    )

    assert RosterUpload.objects.get().status == "validated"
