"""The registry's answers under concurrent requests, with real threads against PostgreSQL: each
lock's test, and its control without the lock (tests/test_locks.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from administration.models import AdministrationRecord
from administration.services import registry
from cvms.models import AuditEvent
from cvms.roles import Role
from tests.administration.factories import AdministrationRecordFactory
from tests.administration.test_registry_acks import _ack, _control_ids, _export
from tests.concurrency import locks_disabled, outcomes, pause_after, run_together
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _resend_twice(monkeypatch):
    record = AdministrationRecordFactory()
    AdministrationRecord.objects.filter(pk=record.pk).update(hl7_rejected_version=1)
    officials = [UserFactory(roles=[Role.STATE_OFFICIAL]) for _ in range(2)]
    pause_after(monkeypatch, registry, "lock_one")  # read as refused; not yet put back
    return [(lambda o=o: registry.hl7_resend(record=record, by=o)) for o in officials]


def test_a_refused_record_sent_again_by_two_officials_at_once_is_sent_again_once(monkeypatch):
    results = run_together(_resend_twice(monkeypatch))

    assert outcomes(results) == {"AdministrationRecord": 1, "RegistryError": 1}, results
    assert AuditEvent.objects.filter(action="administration.hl7.resend").count() == 1


def test_without_the_lock_a_refused_record_is_sent_again_twice(monkeypatch):
    """The control of the record's lock when sending it again."""
    works = _resend_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert outcomes(results) == {"AdministrationRecord": 2}, results
    assert AuditEvent.objects.filter(action="administration.hl7.resend").count() == 2


def _import_twice(monkeypatch, tmp_path):
    given = timezone.now() - timedelta(minutes=30)
    records = AdministrationRecordFactory.create_batch(2, administered_at=given)
    ids = _control_ids(_export(tmp_path))
    text = "".join(_ack(ids[record.event_id], "AA") for record in records)
    pause_after(monkeypatch, registry, "lock_all")  # the records are held; the answers not applied
    return records, [lambda: registry.hl7_acks_import(text=text, by=None)] * 2


def test_one_ack_file_imported_twice_at_once_is_counted_once(monkeypatch, tmp_path):
    _records, works = _import_twice(monkeypatch, tmp_path)

    results = run_together(works)

    counted = sorted((r.accepted, r.repeated) for r in results)
    assert counted == [(0, 2), (2, 0)], results


def test_without_the_lock_one_ack_file_imported_twice_is_counted_twice(monkeypatch, tmp_path):
    """The control of the records' locks when importing the registry's answers."""
    _records, works = _import_twice(monkeypatch, tmp_path)

    with locks_disabled():
        results = run_together(works)

    assert [(r.accepted, r.repeated) for r in results] == [(2, 0), (2, 0)], results
