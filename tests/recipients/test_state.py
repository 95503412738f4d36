"""The state's pages: priority groups, self-registration, duplicates and merging, audited views."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from administration.models import Appointment
from administration.services import booking
from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import selectors, services
from recipients.models import Recipient
from tests.administration.factories import clinic
from tests.employers.factories import InvitationFactory
from tests.factories import EmployerFactory, UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client):
    user = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(user)
    return user


def test_opening_a_group_is_one_audited_action_and_recipients_are_told_plainly(client, official):
    group = PriorityGroup.objects.get(code="3a")
    person = RecipientFactory(group="3a")
    before = selectors.eligibility(person)

    client.post(reverse("state:recipients.group.open", kwargs={"priority_group_pk": group.pk}))

    group.refresh_from_db()
    person.refresh_from_db()
    assert group.is_open and group.opened_at is not None
    assert (
        AuditEvent.objects.filter(action="recipients.priority_group.opened", target_id=str(group.pk)).count()
        == 1
    )
    assert before["message"].startswith("You are not eligible yet: Group 3a")
    assert selectors.eligibility(person)["message"].startswith("You are eligible now: Group 3a")


def test_priority_group_open_marks_it_open_once(official):
    group = PriorityGroup.objects.get(code="2")

    services.priority_group_open(group=group, by=official)
    services.priority_group_open(group=group, by=official)

    group.refresh_from_db()
    assert group.is_open and group.opened_at is not None
    assert AuditEvent.objects.filter(action="recipients.priority_group.opened").count() == 1


def test_the_state_turns_self_registration_on(client, official):
    client.post(reverse("state:recipients.self_registration"), {"self_registration_open": "on"})

    assert selectors.self_registration_open()
    assert AuditEvent.objects.filter(action="recipients.self_registration.opened").exists()


def test_a_state_officials_view_of_a_record_is_audited(client, official):
    person = RecipientFactory()

    page = client.get(reverse("state:recipients.recipient", kwargs={"recipient_pk": person.pk}))

    assert person.full_name in page.content.decode()
    event = AuditEvent.objects.get(action="recipients.recipient.viewed")
    assert (event.actor, event.target_id) == (official, str(person.pk))


def test_possible_duplicates_are_listed_by_name_and_birth_date_or_email_with_a_name_or_birth_date(
    client, official
):
    a = RecipientFactory(
        first_name="Ana", last_name="Ruiz", date_of_birth=date(1950, 1, 2), user=None, email="a@x.org"
    )
    b = RecipientFactory(
        first_name="ANA", last_name="ruiz", date_of_birth=date(1950, 1, 2), user=None, email="b@x.org"
    )
    c = RecipientFactory(first_name="Carl", last_name="Lee", user=None, email="same@x.org")
    d = RecipientFactory(first_name="Carla", last_name="Lee", user=None, email="SAME@x.org")
    RecipientFactory(first_name="Zed", last_name="Solo", user=None, email="zed@x.org", phone="")
    services.duplicates_rebuild()

    pairs = [{pair.recipient_id, pair.other_id} for pair in selectors.duplicate_pairs()]

    assert sorted(pairs, key=min) == [{a.pk, b.pk}, {c.pk, d.pk}]
    assert client.get(reverse("state:recipients.duplicates")).status_code == 200


def test_merging_keeps_every_appointment_and_invitation_and_is_audited(client, official, open_group):
    survivor = RecipientFactory(group="2")
    duplicate = RecipientFactory(group="2", user=None, email=survivor.email)
    employer = EmployerFactory()
    duplicate.invited_by.add(employer)
    roster_entry = InvitationFactory(
        invitee__organization=employer, invitee__recipient_id=duplicate.pk, used_by_recipient_id=duplicate.pk
    )
    appointment = booking.appointment_book(
        recipient=duplicate, slot_id=clinic().slots.first().pk, dose_number=1, by=official
    )

    client.post(
        reverse("state:recipients.merge", kwargs={"recipient_pk": survivor.pk, "duplicate_pk": duplicate.pk})
    )

    assert not Recipient.objects.filter(pk=duplicate.pk).exists()
    assert Appointment.objects.get(pk=appointment.pk).recipient_id == survivor.pk
    assert list(survivor.invited_by.all()) == [employer]
    roster_entry.refresh_from_db()
    roster_entry.invitee.refresh_from_db()
    assert (roster_entry.invitee.recipient_id, roster_entry.used_by_recipient_id) == (
        survivor.pk,
        survivor.pk,
    )
    event = AuditEvent.objects.get(action="recipients.recipient.merged")
    assert event.data["duplicate"] == duplicate.pk
    assert event.data["moved"] == {"administration.appointment": 1}


def test_merging_is_refused_when_both_hold_the_same_dose_and_changes_nothing(official, open_group):
    survivor, duplicate = RecipientFactory(group="2"), RecipientFactory(group="2")
    slot = clinic().slots.first()
    for person in (survivor, duplicate):
        booking.appointment_book(recipient=person, slot_id=slot.pk, dose_number=1, by=official)

    with pytest.raises(services.MergeRefused, match="same dose"):
        services.recipient_merge(survivor=survivor, duplicate=duplicate, by=official)

    assert Recipient.objects.filter(pk=duplicate.pk).exists()
    assert Appointment.objects.filter(recipient=duplicate).count() == 1


def test_recipient_search_runs_a_fixed_number_of_queries(client, official, django_assert_num_queries):
    for _ in range(2):
        RecipientFactory(user=None)
    url = reverse("state:recipients.list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        RecipientFactory(user=None)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["recipients"]) == 12
