"""With the broker down (issue 13, finding 6), booking and asking for an export answer normally;
the e-mail and the job wait in the outbox, and the sweep does them once the broker is back."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from administration.enums import ExportStatus
from administration.models import Appointment, ExportJob
from cvms import outbox
from cvms.models import OutboundEmail, OutboxTask
from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.administration.factories import clinic
from tests.brokers import back_up
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def the_sweep_once_the_broker_is_back():
    back_up()
    outbox.sweep(now=timezone.now() + timedelta(minutes=1))


def test_booking_answers_and_its_confirmation_waits(client, broker_down):
    PriorityGroup.objects.filter(code="2").update(is_open=True)
    person = RecipientFactory(group="2")
    the_clinic = clinic()
    client.force_login(person.user)

    started = time.monotonic()
    response = client.post(
        reverse("me:administration.clinic", kwargs={"clinic_pk": the_clinic.pk}),
        {"slot": the_clinic.slots.first().pk},
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 5
    assert Appointment.objects.get(recipient=person).status == "booked"
    # The booking's follow-up (its confirmation e-mail, the roster) waits in the outbox.
    waiting = OutboxTask.objects.get(task="administration.tasks.appointment_booked_follow_up")
    assert waiting.dispatched_at is None
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []

    the_sweep_once_the_broker_is_back()

    assert [m.to for m in mail.outbox] == [[person.email]]


def test_asking_for_an_export_answers_and_the_job_waits(client, personas, broker_down, media_in_tmp):
    client.force_login(personas.home[Role.STATE_OFFICIAL])

    started = time.monotonic()
    response = client.post(
        reverse("state:administration.exports"), {"kind": "cvrs", "start": "2021-01-01", "end": "2021-01-31"}
    )
    elapsed = time.monotonic() - started

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("state:administration.export", kwargs={"export_pk": job.pk})
    assert elapsed < 5
    assert job.status == ExportStatus.PENDING
    assert OutboxTask.objects.get().kwargs == {"job_id": job.pk}

    the_sweep_once_the_broker_is_back()

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.file
