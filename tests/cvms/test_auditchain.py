"""The hash chain over the audit trail: sealing, and `manage.py audit_verify` finding what a
database superuser did behind the application's back."""

import threading
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cvms import auditchain
from cvms.audit import audit
from cvms.auditchain import GENESIS, SEALED_FIELDS, SEALER_LOCK_KEY, audit_seal, canonical, chain_hash
from cvms.models import AppendOnlyError, AuditEvent, AuditSeal
from cvms.tasks import seal_audit_trail
from tests.concurrency import run_many
from tests.factories import AuditSealFactory, UserFactory


def events(count: int) -> list[AuditEvent]:
    user = UserFactory()
    return [
        audit(action=f"cvms.test.step{n}", by=user, target=user, data={"n": n, "note": "ü"})
        for n in range(count)
    ]


def sealed_chain() -> list[tuple[int, int, str]]:
    return list(AuditSeal.objects.order_by("seq").values_list("seq", "event_id", "chain_hash"))


def run_verify(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def as_superuser(*statements: str | tuple[str, list]) -> None:
    """What a database superuser can do that the application can't: switch the tables' triggers
    (the append-only ones and the foreign keys' alike) off, change rows, switch them back on."""
    with connection.cursor() as cursor:
        # The test's own inserts left foreign-key checks pending, which ALTER TABLE won't wait
        # for; a superuser at a psql prompt has none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, None)
            cursor.execute(sql, params)


# --- Sealing ----------------------------------------------------------------------------------


def test_seal_chains_new_events_in_id_order(db):
    written = events(3)

    assert audit_seal() == 3

    previous, expected = GENESIS, []
    for seq, event in enumerate(written, start=1):
        values = AuditEvent.objects.filter(pk=event.pk).values(*SEALED_FIELDS)[0]
        previous = chain_hash(previous, values)
        expected.append((seq, event.pk, previous))
    assert sealed_chain() == expected


def test_seal_twice_seals_nothing_new(db):
    events(2)
    audit_seal()

    assert audit_seal() == 0
    assert AuditSeal.objects.count() == 2


def test_seal_continues_the_chain_from_its_head(db):
    events(2)
    audit_seal()
    head = sealed_chain()[-1]
    (later,) = events(1)

    audit_seal()

    assert sealed_chain()[-1][:2] == (3, later.pk)
    values = AuditEvent.objects.filter(pk=later.pk).values(*SEALED_FIELDS)[0]
    assert sealed_chain()[-1][2] == chain_hash(head[2], values)


def test_seal_works_through_a_backlog_in_batches_without_gaps(db, settings):
    settings.AUDIT_SEAL_BATCH = 2
    written = events(5)

    assert audit_seal() == 5

    assert [(seq, event_id) for seq, event_id, _ in sealed_chain()] == [
        (seq, event.pk) for seq, event in enumerate(written, start=1)
    ]


def test_seal_leaves_events_older_than_its_window_to_the_full_sweep(db):
    old = AuditEvent.objects.create(
        action="cvms.test.late", at=timezone.now() - timedelta(minutes=settings.AUDIT_SEAL_WINDOW_MINUTES + 5)
    )

    assert audit_seal() == 0
    assert audit_seal(full=True) == 1
    assert sealed_chain()[0][1] == old.pk


def test_canonical_form_is_the_same_when_read_back(db):
    (event,) = events(1)
    written = {
        "id": event.pk,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "ip_address": event.ip_address,
        "data": event.data,
    }

    read_back = AuditEvent.objects.filter(pk=event.pk).values(*SEALED_FIELDS)[0]

    assert canonical(read_back) == canonical(written)
    assert '"data":{"n":0,"note":"ü"}' in canonical(read_back)


def test_seals_made_by_the_factory_are_links_of_the_chain(db):
    AuditSealFactory.create_batch(3)

    assert run_verify()[0] == 0
    assert [seq for seq, _, _ in sealed_chain()] == [1, 2, 3]


def test_seal_task_seals_new_events(db):
    events(2)

    seal_audit_trail.delay()

    assert AuditSeal.objects.count() == 2


def test_beat_runs_the_sealer_every_minute_and_sweeps_nightly():
    from cvms.celery import app

    minute = settings.CELERY_BEAT_SCHEDULE["cvms.seal_audit_trail"]
    sweep = settings.CELERY_BEAT_SCHEDULE["cvms.seal_audit_trail_sweep"]

    assert (minute["task"], minute["schedule"]) == ("cvms.tasks.seal_audit_trail", 60)
    assert (sweep["task"], sweep["kwargs"]) == ("cvms.tasks.seal_audit_trail", {"full": True})
    assert "cvms.tasks.seal_audit_trail" in app.tasks


def other_connection() -> psycopg.Connection:
    """A second session on the test database, as another process would have."""
    settings_dict = connection.settings_dict
    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        autocommit=True,
    )


@pytest.mark.postgres
def test_seal_does_nothing_while_another_sealer_holds_the_lock(transactional_db):
    events(2)
    with other_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])
        assert audit_seal() == 0
        assert AuditSeal.objects.count() == 0
        other.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
        assert audit_seal() == 2


@pytest.mark.postgres
def test_audit_verify_waits_for_a_sealer_already_running(transactional_db):
    events(2)
    with other_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])
        release = threading.Timer(0.5, other.execute, ["SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY]])
        release.start()
        status, out, _ = run_verify()
        release.join()

    assert status == 0
    assert out.splitlines()[0] == "2 events sealed"


# --- Seals are append-only --------------------------------------------------------------------


def test_seals_cant_be_changed_or_deleted_through_the_orm(db):
    events(1)
    audit_seal()
    seal = AuditSeal.objects.get()

    seal.chain_hash = "0" * 64
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        seal.delete()
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.update(chain_hash="x")
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().delete()
    assert AuditSeal.objects.get().chain_hash != "0" * 64


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cvms_auditseal SET chain_hash = 'x'",
        "DELETE FROM cvms_auditseal",
        "TRUNCATE cvms_auditseal CASCADE",
        "TRUNCATE cvms_auditevent CASCADE",
    ],
)
def test_database_refuses_raw_changes_to_the_audit_trail(db, sql):
    events(1)
    audit_seal()

    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # The test runner's sessions may empty tables (settings_test.py); this one is any session.
        cursor.execute("SET LOCAL cvms.flushing_test_database = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE won't wait for pending checks
        cursor.execute(sql)
    assert (AuditEvent.objects.count(), AuditSeal.objects.count()) == (1, 1)


# --- audit_verify ------------------------------------------------------------------------------


def test_audit_verify_seals_and_verifies_an_intact_trail(db):
    events(3)

    status, out, err = run_verify()

    assert status == 0, err
    seq, head = sealed_chain()[-1][0], sealed_chain()[-1][2]
    assert out.splitlines() == ["3 events sealed", f"chain head: {seq}:{head}", "3 events verified"]
    assert err == ""


def test_audit_verify_walks_many_chunks(db):
    events(7)

    status, out, _ = run_verify("--chunk-size", "2")

    assert status == 0
    assert out.splitlines()[-1] == "7 events verified"


def test_audit_verify_on_an_empty_trail(db):
    status, out, _ = run_verify()

    assert status == 0
    assert out.splitlines() == [f"chain head: 0:{GENESIS}", "0 events verified"]


@pytest.mark.postgres
def test_audit_verify_reports_an_event_deleted_by_a_superuser(db):
    written = events(3)
    audit_seal()
    as_superuser(
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER ALL",
        ("DELETE FROM cvms_auditevent WHERE id = %s", [written[1].pk]),
        "ALTER TABLE cvms_auditevent ENABLE TRIGGER ALL",
    )

    status, _, err = run_verify()

    assert status == 1
    assert err.splitlines() == [
        f"event {written[1].pk} deleted (seal 2 has no event)",
        "1 problems; 2 events verified",
    ]


@pytest.mark.postgres
def test_audit_verify_reports_an_event_altered_by_a_superuser(db):
    written = events(3)
    audit_seal()
    as_superuser(
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER cvms_auditevent_append_only",
        ("UPDATE cvms_auditevent SET actor_email = 'someone@else.org' WHERE id = %s", [written[2].pk]),
        "ALTER TABLE cvms_auditevent ENABLE TRIGGER cvms_auditevent_append_only",
    )

    status, _, err = run_verify()

    assert status == 1
    assert err.splitlines() == [
        f"event {written[2].pk} altered (seal 3 doesn't match it)",
        "1 problems; 2 events verified",
    ]


@pytest.mark.postgres
def test_audit_verify_reports_an_event_whose_data_was_altered(db):
    written = events(2)
    audit_seal()
    as_superuser(
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER cvms_auditevent_append_only",
        (
            "UPDATE cvms_auditevent SET data = %s WHERE id = %s",
            ['{"n": 0, "note": "changed"}', written[0].pk],
        ),
        "ALTER TABLE cvms_auditevent ENABLE TRIGGER cvms_auditevent_append_only",
    )

    status, _, err = run_verify()

    assert status == 1
    assert err.splitlines()[0] == f"event {written[0].pk} altered (seal 1 doesn't match it)"


@pytest.mark.postgres
def test_audit_verify_reports_a_deleted_seal(db):
    written = events(3)
    audit_seal()
    as_superuser(
        "ALTER TABLE cvms_auditseal DISABLE TRIGGER cvms_auditseal_append_only",
        "DELETE FROM cvms_auditseal WHERE seq = 2",
        "ALTER TABLE cvms_auditseal ENABLE TRIGGER cvms_auditseal_append_only",
    )

    status, out, err = run_verify()

    assert status == 1
    assert err.splitlines() == ["seal 2 deleted (a gap before seal 3)", "1 problems; 2 events verified"]
    # The event that lost its seal is still there: it is sealed again, at the chain's end.
    assert out.splitlines()[0] == "1 events sealed"
    assert sealed_chain()[-1][:2] == (4, written[1].pk)


@pytest.mark.postgres
def test_audit_verify_reports_the_tail_deleted_against_a_recorded_head(db):
    written = events(3)
    _, out, _ = run_verify()
    recorded = out.splitlines()[1].removeprefix("chain head: ")
    as_superuser(
        "ALTER TABLE cvms_auditseal DISABLE TRIGGER ALL",
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER ALL",
        "DELETE FROM cvms_auditseal WHERE seq = 3",
        ("DELETE FROM cvms_auditevent WHERE id = %s", [written[2].pk]),
        "ALTER TABLE cvms_auditevent ENABLE TRIGGER ALL",
        "ALTER TABLE cvms_auditseal ENABLE TRIGGER ALL",
    )

    assert run_verify()[0] == 0  # without the recorded head, a cut tail looks whole
    status, _, err = run_verify("--head", recorded)

    assert status == 1
    assert err.splitlines()[0] == "seal 3 (the head recorded earlier) is gone: the chain's tail was deleted"


def test_audit_verify_accepts_the_head_it_printed(db):
    events(2)
    _, out, _ = run_verify()
    recorded = out.splitlines()[1].removeprefix("chain head: ")
    events(1)

    status, out, _ = run_verify("--head", recorded)

    assert status == 0
    assert out.splitlines()[-1] == "3 events verified"


def test_audit_verify_refuses_a_malformed_head(db):
    with pytest.raises(CommandError, match="--head must be SEQ:HASH"):
        call_command("audit_verify", "--head", "3:not-a-hash")


def test_seal_admin_allows_no_add_change_or_delete(admin_client, db):
    events(1)
    audit_seal()

    assert admin_client.get("/admin/cvms/auditseal/").status_code == 200
    assert admin_client.get("/admin/cvms/auditseal/add/").status_code == 403
    assert admin_client.get("/admin/cvms/auditseal/1/delete/").status_code == 403
    response = admin_client.post("/admin/cvms/auditseal/1/change/", {"chain_hash": "x"})
    assert response.status_code == 403
    assert not AuditSeal.objects.filter(chain_hash="x").exists()


# --- Sealers at once ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sealers_running_at_once_make_one_gapless_chain(settings):
    settings.AUDIT_SEAL_BATCH = 10
    events(60)

    results = run_many(6, audit_seal)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert sum(results) == 60
    assert [seq for seq, _, _ in sealed_chain()] == list(range(1, 61))
    assert run_verify()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sealers_race_without_the_lock(settings, monkeypatch):
    """The control: this test exists to show that the harness can catch sealers that don't
    take the lock (they read the same head and number their seals alike)."""
    settings.AUDIT_SEAL_BATCH = 10
    events(60)

    @contextmanager
    def no_lock(*, wait):
        yield True

    monkeypatch.setattr(auditchain, "_sealer_lock", no_lock)
    results = run_many(6, audit_seal)

    assert [result for result in results if isinstance(result, IntegrityError)], results
