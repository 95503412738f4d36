"""Races on recipients' rows, with real threads against PostgreSQL (tests/concurrency.py): two
officials undoing one merge, two workers telling one batch of a group that it opened."""

import pytest
from django.core import mail

from cvms.models import OutboundEmail
from cvms.roles import Role
from enrollment.models import PriorityGroup
from recipients import services
from recipients.models import GroupNotice, Recipient, RecipientMerge
from tests.concurrency import locks_disabled, run_together
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _merge() -> RecipientMerge:
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    services.recipient_merge(
        survivor=RecipientFactory(user=None), duplicate=RecipientFactory(user=None), by=official
    )
    return RecipientMerge.objects.get()


def _undo_as_two_officials(merge: RecipientMerge) -> list:
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]

    def undo_as(official):
        return lambda: services.recipient_merge_undo(
            merge=RecipientMerge.objects.get(pk=merge.pk), by=official
        )

    return run_together([undo_as(official) for official in officials])


@pytest.mark.parametrize("round_", range(3))
def test_two_officials_undoing_one_merge_at_once_restore_the_record_once(round_):
    merge = _merge()

    outcomes = _undo_as_two_officials(merge)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["MergeRefused", "Recipient"], outcomes
    assert Recipient.objects.filter(pk=merge.duplicate_id).count() == 1


def test_without_the_lock_the_second_undo_is_not_refused_cleanly(monkeypatch):
    """The control: this test exists to show that the harness can catch a missing lock (both
    undos pass the check; the second then trips over the first's row). A few tries, since a
    thread may by chance start after the other finished."""
    seen = []
    with locks_disabled(monkeypatch):
        for _try in range(3):
            RecipientMerge.objects.all().delete()
            seen.append(sorted(type(outcome).__name__ for outcome in _undo_as_two_officials(_merge())))

    assert any(outcome != ["MergeRefused", "Recipient"] for outcome in seen), seen


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
