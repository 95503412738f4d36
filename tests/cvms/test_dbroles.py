"""The database role the application works as: it may use every table, but only read and add to
the audit trail, and it can't switch the trail's triggers off."""

import pytest
from django.db import DatabaseError, connection, transaction

from cvms.audit import audit
from cvms.auditchain import audit_seal
from cvms.dbroles import APP_ROLE, APPEND_ONLY_TABLES, grant_app_role
from cvms.models import AuditEvent, AuditSeal

pytestmark = pytest.mark.postgres

REFUSED = "permission denied|must be owner"


def execute(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def event(db):
    event = audit(action="cvms.test.done", by=None)
    audit_seal()
    # ALTER TABLE and TRUNCATE won't run while the inserts' foreign-key checks are pending.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    return event


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cvms_auditevent SET action = 'x'",
        "DELETE FROM cvms_auditevent",
        "TRUNCATE cvms_auditevent CASCADE",
        "UPDATE cvms_auditseal SET chain_hash = 'x'",
        "DELETE FROM cvms_auditseal",
        "TRUNCATE cvms_auditseal CASCADE",
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE cvms_auditevent DISABLE TRIGGER cvms_auditevent_append_only",
        "ALTER TABLE cvms_auditseal DISABLE TRIGGER cvms_auditseal_append_only",
        "SET session_replication_role = replica",  # which would skip every trigger
    ],
)
def test_app_role_cant_change_the_audit_trail(event, sql):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        execute(f"SET LOCAL ROLE {APP_ROLE}")
        execute(sql)

    assert AuditEvent.objects.filter(pk=event.pk, action="cvms.test.done").exists()
    assert AuditSeal.objects.filter(event=event).exists()


def test_app_role_writes_reads_and_seals_the_audit_trail(event):
    with transaction.atomic():
        execute(f"SET LOCAL ROLE {APP_ROLE}")
        written = audit(action="cvms.test.again", by=None)
        sealed = audit_seal()
        seen = list(AuditEvent.objects.values_list("action", flat=True))
        execute("RESET ROLE")

    assert sealed == 1
    assert seen == ["cvms.test.again", "cvms.test.done"]
    assert AuditSeal.objects.filter(event=written).exists()


def _privileges(kind: str) -> dict[str, set[str]]:
    """Which of `kind`'s privileges the app's role holds on each table of the schema."""
    rows = execute(
        "SELECT tablename, has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), %s)"
        " FROM pg_tables WHERE schemaname = current_schema()",
        [APP_ROLE, kind],
    )
    return {table for table, granted in rows if granted}


def test_app_role_may_read_and_insert_every_table(db):
    rows = execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = {table for (table,) in rows}

    assert {"cvms_auditevent", "cvms_user", "django_session"} <= tables
    assert _privileges("SELECT") == tables
    assert _privileges("INSERT") == tables
    assert _privileges("UPDATE") == tables - set(APPEND_ONLY_TABLES)
    assert _privileges("DELETE") == tables - set(APPEND_ONLY_TABLES)
    assert _privileges("TRUNCATE") == set()


def test_app_role_may_use_every_sequence(db):
    rows = execute(
        "SELECT sequencename, has_sequence_privilege(%s, format('%%I.%%I', schemaname, sequencename),"
        " 'USAGE') FROM pg_sequences WHERE schemaname = current_schema()",
        [APP_ROLE],
    )

    assert rows
    assert [name for name, granted in rows if not granted] == []


def test_tables_created_after_the_migration_are_granted_too(db):
    execute("CREATE TABLE cvms_test_later (id bigserial PRIMARY KEY, note text)")

    with transaction.atomic():
        execute(f"SET LOCAL ROLE {APP_ROLE}")
        execute("INSERT INTO cvms_test_later (note) VALUES ('written by the app')")
        rows = execute("SELECT note FROM cvms_test_later")
        execute("RESET ROLE")

    assert rows == [("written by the app",)]


def test_granting_again_changes_nothing(db):
    before = _privileges("UPDATE")

    assert grant_app_role() is None
    assert grant_app_role() is None

    assert _privileges("UPDATE") == before
    assert _privileges("SELECT") >= set(APPEND_ONLY_TABLES)


def test_grant_is_skipped_with_a_message_when_the_role_cant_be_created(db):
    with transaction.atomic():
        execute(f"SET LOCAL ROLE {APP_ROLE}")  # a role without CREATEROLE
        message = grant_app_role(role="cvms_app_nobody_made")
        exists = execute("SELECT 1 FROM pg_roles WHERE rolname = 'cvms_app_nobody_made'")
        execute("RESET ROLE")

    assert message.startswith("Skipped: the database role cvms_app_nobody_made doesn't exist")
    assert exists == []
