"""With the broker down (issue 13, finding 6), uploading a roster, importing it and resending
invitations answer normally; the work waits in the outbox, and the sweep does it once the broker
is back."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms import outbox
from cvms.models import OutboxTask
from employers.enums import UploadStatus
from employers.models import Invitee, RosterUpload
from tests.brokers import back_up, down_again
from tests.employers.conftest import roster_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def the_sweep_once_the_broker_is_back():
    back_up()
    outbox.sweep(now=timezone.now() + timedelta(minutes=1))


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_uploading_and_importing_a_roster_answer_and_the_work_waits(client, employer_admin, broker_down):
    client.force_login(employer_admin)

    response, elapsed = timed(
        lambda: client.post(reverse("employer:employers.uploads"), {"file": roster_file("bom_synonyms.csv")})
    )

    upload = RosterUpload.objects.get()
    assert response.status_code == 302  # to the upload's page, not a 500
    assert response["Location"] == reverse("employer:employers.upload", args=[upload.pk])
    assert elapsed < 5
    assert upload.status == UploadStatus.QUEUED
    assert list(OutboxTask.objects.values_list("task", "kwargs")) == [
        ("employers.tasks.roster_validate", {"upload_id": upload.pk})
    ]

    the_sweep_once_the_broker_is_back()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.VALIDATED

    down_again()  # while the person asks for the import
    response, elapsed = timed(
        lambda: client.post(reverse("employer:employers.upload.import", args=[upload.pk]))
    )
    assert response.status_code == 302
    assert elapsed < 5
    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTING

    the_sweep_once_the_broker_is_back()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED
    invited = Invitee.objects.filter(status="invited")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(invited.values_list("email", flat=True))
    assert len(mail.outbox) == upload.people_to_invite > 0
