from datetime import datetime, timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms.roles import Role
from helpdesk.models import TrainingSession, TrainingSignup
from helpdesk.tasks import send_training_reminders
from tests.factories import UserFactory
from tests.helpdesk.factories import TrainingSessionFactory, agent, requester

TZ = timezone.get_default_timezone()


def test_agent_publishes_a_session_and_providers_see_how_to_join(client, db):
    client.force_login(agent())
    starts = timezone.localtime() + timedelta(days=5)

    client.post(
        reverse("help:training.new"),
        {
            "topic": "Recording doses",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 45,
            "join_info": "https://meet.example.org/doses",
        },
    )

    assert TrainingSession.objects.get().topic == "Recording doses"
    client.force_login(UserFactory(roles=[Role.PROVIDER_ADMIN]))
    content = client.get(reverse("help:training")).content.decode()
    assert "Recording doses" in content and "https://meet.example.org/doses" in content


def test_a_session_in_the_past_is_refused(client, db):
    client.force_login(agent())

    response = client.post(
        reverse("help:training.new"),
        {"topic": "Late", "starts_at": "2020-01-01T10:00", "duration_minutes": 60, "join_info": "x"},
    )

    assert "must start in the future" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_provider_signs_up_once(client, db):
    session = TrainingSessionFactory()
    person = requester()
    client.force_login(person)

    client.post(reverse("help:training.signup", args=[session.pk]))
    client.post(reverse("help:training.signup", args=[session.pk]))

    assert TrainingSignup.objects.filter(session=session, user=person).count() == 1
    assert "You are signed up" in client.get(reverse("help:training")).content.decode()


def test_recipients_have_no_training_page(client, db):
    client.force_login(UserFactory(roles=[Role.RECIPIENT]))

    assert client.get(reverse("help:training")).status_code == 403


def test_reminder_is_mailed_the_day_before_and_only_once(db, commit):
    tomorrow = TrainingSessionFactory(
        topic="Inventory basics", starts_at=datetime(2026, 3, 11, 14, 0, tzinfo=TZ), join_info="Room 4"
    )
    later = TrainingSessionFactory(starts_at=datetime(2026, 3, 14, 14, 0, tzinfo=TZ))
    person, other = requester(email="pat@clinic.example"), requester()
    TrainingSignup.objects.create(session=tomorrow, user=person)
    TrainingSignup.objects.create(session=later, user=other)

    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=TZ)):
        with commit(execute=True):
            assert send_training_reminders.delay().get() == 1
        with commit(execute=True):
            assert send_training_reminders.delay().get() == 0  # the next hourly run

    [message] = mail.outbox
    assert message.to == ["pat@clinic.example"]
    assert message.subject == "Reminder: Inventory basics is tomorrow"
    assert "Room 4" in message.body


def test_the_reminder_task_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["helpdesk-training-reminders"]["task"] == (
        "helpdesk.tasks.send_training_reminders"
    )
