"""Recipients' locks under concurrent requests, with real threads against PostgreSQL: merges and
their undo, priority groups and their notices, self-registration. Each lock's test, and its
control without the lock. (The pauses patch the service module that looks the helper up.)"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cvms.models import AuditEvent, OutboundEmail
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import services
from recipients.forms import RegistrationForm
from recipients.models import GroupNotice, Recipient, RecipientMerge
from tests.concurrency import after, locks_disabled, outcomes, pause_after, pause_before, run_together
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory, registration_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _merge_both_ways(monkeypatch):
    first, second = RecipientFactory(), RecipientFactory(user=None)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    # Both officials' merges have read the two people; neither has moved anything yet.
    pause_after(monkeypatch, services.merging, "lock_all")
    return (first, second), [
        lambda: services.recipient_merge(survivor=first, duplicate=second, by=officials[0]),
        lambda: services.recipient_merge(survivor=second, duplicate=first, by=officials[1]),
    ]


def test_two_officials_merging_one_pair_both_ways_at_once_leave_one_person(monkeypatch):
    people, works = _merge_both_ways(monkeypatch)

    results = run_together(works)

    refused = [r for r in results if isinstance(r, services.MergeRefused)]
    assert outcomes(results) == {"Recipient": 1, "MergeRefused": 1}, results
    assert [str(r) for r in refused] == ["One of the records no longer exists."]
    assert Recipient.objects.filter(pk__in=[p.pk for p in people]).count() == 1


def test_without_the_locks_a_merge_both_ways_goes_wrong(monkeypatch):
    """The control of the two people's locks when merging: each merge moves the other's rows
    away; either both report success (each audited, though only one person can be left), or
    they deadlock on each other's rows and PostgreSQL fails one with a server error."""
    _people, works = _merge_both_ways(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    both_told_it_went_through = outcomes(results) == {"Recipient": 2}
    deadlocked = any("deadlock detected" in str(r) for r in results if isinstance(r, Exception))
    assert both_told_it_went_through or deadlocked, results


def _switch_twice(monkeypatch, switch):
    group = PriorityGroup.objects.get(code="3a")
    PriorityGroup.objects.filter(pk=group.pk).update(is_open=switch is services.priority_group_close)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    pause_after(monkeypatch, services.groups, "lock_one")  # the group's state was read; not yet changed
    return [(lambda o=o: switch(group=group, by=o)) for o in officials]


@pytest.mark.parametrize("switch", ["open", "close"])
def test_a_group_opened_or_closed_by_two_officials_at_once_is_switched_once(monkeypatch, switch):
    works = _switch_twice(monkeypatch, getattr(services, f"priority_group_{switch}"))

    run_together(works)

    action = {"open": "opened", "close": "closed"}[switch]
    assert AuditEvent.objects.filter(action=f"recipients.priority_group.{action}").count() == 1


@pytest.mark.parametrize("switch", ["open", "close"])
def test_without_the_lock_a_group_is_switched_twice(monkeypatch, switch):
    """The control of the group's lock: both officials' switches go through and are audited."""
    works = _switch_twice(monkeypatch, getattr(services, f"priority_group_{switch}"))

    with locks_disabled():
        run_together(works)

    action = {"open": "opened", "close": "closed"}[switch]
    assert AuditEvent.objects.filter(action=f"recipients.priority_group.{action}").count() == 2


def _register_while_the_state_closes(monkeypatch):
    state = UserFactory(roles=[Role.STATE_OFFICIAL])
    services.self_registration_set(is_open=True, by=state)
    group = PriorityGroup.objects.get(code="2")
    form = RegistrationForm(data=registration_data(priority_group=group.pk), group_required=True)
    assert form.is_valid(), form.errors
    user = UserFactory()
    # The registration has found self-registration open and waits before creating the person;
    # the state closes self-registration in that moment.
    pause_before(monkeypatch, services.registration, "_recipient_create")
    return [
        lambda: services.recipient_self_register(user=user, data=form.cleaned_data),
        after(0.1, lambda: services.self_registration_set(is_open=False, by=state)),
    ]


def _registered_then_closed() -> list[str]:
    return list(
        AuditEvent.objects.filter(
            action__in=["recipients.recipient.registered", "recipients.self_registration.closed"]
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_self_registration_while_the_state_closes_it_finishes_before_the_switch(monkeypatch):
    works = _register_while_the_state_closes(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Recipient": 1, "RegistrationSettings": 1}, results
    assert _registered_then_closed() == [
        "recipients.recipient.registered",
        "recipients.self_registration.closed",
    ]


def test_without_the_lock_a_self_registration_lands_after_the_state_closed_it(monkeypatch):
    """The control of the switches' row lock (self-registration and the state's switch)."""
    works = _register_while_the_state_closes(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Recipient": 1, "RegistrationSettings": 1}, results
    assert _registered_then_closed() == [
        "recipients.self_registration.closed",
        "recipients.recipient.registered",
    ]


# --- Undoing a merge; telling a group's people --------------------------------------------------


def _merge() -> RecipientMerge:
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    services.recipient_merge(
        survivor=RecipientFactory(user=None), duplicate=RecipientFactory(user=None), by=official
    )
    return RecipientMerge.objects.get()


def _undo_twice(monkeypatch, *, meet: int = 0):
    merge = _merge()
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    # Both officials' undos have read the merge; neither has restored anything yet. The control
    # has both meet there (meet=2): on a loaded machine one could start after the other's pause.
    pause_after(monkeypatch, services.merging, "lock_one", meet=meet)
    return merge, [
        (lambda o=o: services.recipient_merge_undo(merge=RecipientMerge.objects.get(pk=merge.pk), by=o))
        for o in officials
    ]


def test_two_officials_undoing_one_merge_at_once_restore_the_record_once(monkeypatch):
    merge, works = _undo_twice(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"Recipient": 1, "MergeRefused": 1}, results
    assert [str(r) for r in results if isinstance(r, services.MergeRefused)] == [
        "This merge was undone already."
    ]
    assert Recipient.objects.filter(pk=merge.duplicate_id).count() == 1


def test_without_the_lock_the_second_undo_trips_over_the_first(monkeypatch):
    """The control of the merge's lock when undoing: both undos pass the check, and the second
    fails on the first's restored record instead of being told the merge was undone already."""
    _merge_row, works = _undo_twice(monkeypatch, meet=2)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Recipient": 1, "IntegrityError": 1}, results


def _schedule_while_opening(monkeypatch):
    group = PriorityGroup.objects.get(code="4b")
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    pause_after(monkeypatch, services.groups, "lock_one")  # the group's state was read; not yet changed
    tomorrow = timezone.now() + timedelta(days=1)
    return group, [
        lambda: services.priority_group_open(group=group, by=official),
        after(0.1, lambda: services.priority_group_schedule(group=group, opens_at=tomorrow, by=official)),
    ]


def test_a_time_set_while_the_group_opens_is_refused(monkeypatch):
    group, works = _schedule_while_opening(monkeypatch)

    results = run_together(works)

    assert outcomes(results) == {"PriorityGroup": 1, "ScheduleRefused": 1}, results
    group.refresh_from_db()
    assert (group.is_open, group.opens_at) == (True, None)


def test_without_the_lock_a_time_is_set_on_a_group_already_open(monkeypatch):
    """The control of the group's lock when scheduling: an open group keeps a time to open,
    which would open it again after the state closed it."""
    group, works = _schedule_while_opening(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"PriorityGroup": 2}, results
    group.refresh_from_db()
    assert group.is_open and group.opens_at is not None


def test_two_workers_sending_one_batch_of_notices_tell_each_person_once():
    group = PriorityGroup.objects.get(code="3b")
    PriorityGroup.objects.filter(pk=group.pk).update(is_open=True)
    people = [RecipientFactory(group="3b", user=None, email=f"p{n}@example.org").pk for n in range(20)]

    def send():
        return services.group_notices_send(priority_group_id=group.pk, recipient_ids=people)

    outcomes = run_together([send, send])

    assert sum(outcomes) == 20, outcomes
    assert GroupNotice.objects.count() == 20
    assert OutboundEmail.objects.count() == 20
    assert len(mail.outbox) == 0 or len({message.to[0] for message in mail.outbox}) == len(mail.outbox)
