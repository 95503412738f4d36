"""Recipients' locks under concurrent requests, with real threads against PostgreSQL: merges,
priority groups, self-registration. Each lock's test, and its control without the lock."""

import pytest

from cvms.models import AuditEvent
from cvms.roles import Role
from recipients import services
from recipients.models import Recipient
from tests.concurrency import locks_disabled, outcomes, pause_after, run_together
from tests.factories import UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _merge_both_ways(monkeypatch):
    first, second = RecipientFactory(), RecipientFactory(user=None)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    # Both officials' merges have read the two people; neither has moved anything yet.
    pause_after(monkeypatch, services, "lock_all")
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


def test_without_the_locks_a_merge_both_ways_tells_both_officials_it_went_through(monkeypatch):
    """The control of the two people's locks when merging: both merges report success and are
    audited, each having moved the other's rows, though only one person can be left."""
    _people, works = _merge_both_ways(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"Recipient": 2}, results
    assert AuditEvent.objects.filter(action="recipients.recipient.merged").count() == 2
