"""Priority groups opening (issues 14 and 15): the people already registered in a group are told
by e-mail, in their language, in batches; a group opens by itself at a time the state sets ahead."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent, OutboxTask
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import services
from recipients.models import GroupNotice
from recipients.tasks import open_due_priority_groups
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")


@pytest.fixture
def official(client):
    user = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(user)
    return user


def group(code: str) -> PriorityGroup:
    return PriorityGroup.objects.get(code=code)


def test_opening_a_group_tells_its_registered_people_by_email_in_their_language(
    client, official, django_capture_on_commit_callbacks
):
    english = RecipientFactory(group="3a", first_name="Ann", email="ann@example.org", language="en")
    spanish = RecipientFactory(group="3a", first_name="Lucía", email="lucia@example.org", language="es")
    RecipientFactory(group="3a", user=None, email="")  # no address: nobody to tell
    RecipientFactory(group="3b", email="other-group@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("state:recipients.group.open", kwargs={"priority_group_pk": group("3a").pk}))

    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"ann@example.org", "lucia@example.org"}
    assert sent["ann@example.org"].subject == "Your priority group is open: you can book your vaccine"
    assert "Hello Ann," in sent["ann@example.org"].body
    assert "Group 3a (Frontline essential workers: child care and PreK-12 staff) is now open" in (
        sent["ann@example.org"].body
    )
    assert (
        sent["lucia@example.org"].subject == "Su grupo prioritario está abierto: ya puede reservar su vacuna"
    )
    assert "El Grupo 3a (Trabajadores esenciales de primera línea" in sent["lucia@example.org"].body
    assert "/me/clinics/" in sent["lucia@example.org"].body
    assert set(GroupNotice.objects.values_list("recipient_id", flat=True)) == {english.pk, spanish.pk}


def test_people_whose_age_is_not_the_groups_are_not_told(django_capture_on_commit_callbacks):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    RecipientFactory(group="2", email="old@example.org", date_of_birth=date(1950, 1, 1))
    RecipientFactory(group="2", email="young@example.org", date_of_birth=date(1990, 1, 1))

    with django_capture_on_commit_callbacks(execute=True):
        services.priority_group_open(group=group("2"), by=official)

    assert [message.to for message in mail.outbox] == [["old@example.org"]]


def test_notices_go_in_batches_each_over_one_task(settings, django_capture_on_commit_callbacks):
    settings.RECIPIENTS_NOTICE_BATCH = 2
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    for n in range(5):
        RecipientFactory(group="3b", user=None, email=f"person{n}@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.priority_group_open(group=group("3b"), by=official)

    assert OutboxTask.objects.filter(task="recipients.tasks.group_notices_send").count() == 3
    batches = OutboxTask.objects.filter(task="cvms.tasks.send_emails")
    assert sorted(len(row.kwargs["email_ids"]) for row in batches) == [1, 2, 2]  # in no set order
    assert len(mail.outbox) == 5


def test_a_batch_run_twice_and_a_group_opened_again_tell_nobody_twice(django_capture_on_commit_callbacks):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    person = RecipientFactory(group="3b", user=None, email="once@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.priority_group_open(group=group("3b"), by=official)
        services.group_notices_send(priority_group_id=group("3b").pk, recipient_ids=[person.pk])
        services.priority_group_close(group=group("3b"), by=official)
        services.priority_group_open(group=group("3b"), by=official)

    assert len(mail.outbox) == 1
    assert GroupNotice.objects.get().email.to == ["once@example.org"]


def test_a_group_opens_by_itself_at_the_time_set_ahead_and_tells_its_people(
    client, django_capture_on_commit_callbacks
):
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    RecipientFactory(group="4b", user=None, email="worker@example.org")
    target = group("4b")

    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=EASTERN), tick=False):
        client.force_login(official)
        client.post(
            reverse("state:recipients.group.schedule", kwargs={"priority_group_pk": target.pk}),
            {f"group-{target.pk}-opens_at": "2026-12-03T08:00"},
        )
        page = client.get(reverse("state:recipients.groups")).content.decode()
    with time_machine.travel(datetime(2026, 12, 3, 7, 59, tzinfo=EASTERN), tick=False):
        early = open_due_priority_groups()
    with time_machine.travel(datetime(2026, 12, 3, 8, 0, 30, tzinfo=EASTERN), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            due = open_due_priority_groups()
        again = open_due_priority_groups()

    target.refresh_from_db()
    assert "Opens on" in page
    assert early == [] and again == []
    assert due == ["4b"]
    assert target.is_open
    assert target.opened_at == datetime(2026, 12, 3, 8, 0, 30, tzinfo=EASTERN)
    assert target.opens_at is None
    assert [message.to for message in mail.outbox] == [["worker@example.org"]]
    opened = AuditEvent.objects.get(action="recipients.priority_group.opened")
    assert opened.actor is None
    assert opened.data["scheduled_for"] == "2026-12-03T13:00:00+00:00"
    assert (
        AuditEvent.objects.filter(action="recipients.priority_group.scheduled", actor=official).count() == 1
    )


def test_a_time_in_the_past_is_refused_and_changes_nothing(client, official):
    target = group("4b")

    response = client.post(
        reverse("state:recipients.group.schedule", kwargs={"priority_group_pk": target.pk}),
        {f"group-{target.pk}-opens_at": "2020-01-01T08:00"},
        follow=True,
    )

    target.refresh_from_db()
    assert "Choose a time ahead, or open the group now." in response.content.decode()
    assert target.opens_at is None
    assert not AuditEvent.objects.filter(action="recipients.priority_group.scheduled").exists()


def test_a_group_closed_after_its_time_is_not_opened_again_by_the_schedule():
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    target = group("4b")
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=EASTERN), tick=False):
        services.priority_group_schedule(
            group=target, opens_at=datetime(2026, 12, 2, 9, 0, tzinfo=EASTERN), by=official
        )
    with time_machine.travel(datetime(2026, 12, 2, 9, 1, tzinfo=EASTERN), tick=False):
        open_due_priority_groups()
        services.priority_group_close(group=target, by=official)
        reopened = open_due_priority_groups()

    target.refresh_from_db()
    assert reopened == []
    assert not target.is_open
