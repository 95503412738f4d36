"""The database role the application works as (PostgreSQL).

Two roles, so that the web and worker processes can't rewrite history:

- the owner (`cvms` in docker-compose.yml) owns the tables and runs the migrations;
- `cvms_app`, a NOLOGIN role whose privileges the web, worker and beat login user
  (`cvms_web`, a member of it) uses: reading and writing every table, but only SELECT and
  INSERT on the audit trail. Not being the owner, it can't disable the tables' triggers either.

Migration 0006 calls `grant_app_role`; a later migration may call it again (it is idempotent).
Tables created after it are granted through the owner's default privileges.
"""

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

APP_ROLE = "cvms_app"
APPEND_ONLY_TABLES = ("cvms_auditevent", "cvms_auditseal")


def _fetch_one(connection: BaseDatabaseWrapper, sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _create_role(connection: BaseDatabaseWrapper, role: str) -> str | None:
    """Create `role` unless it exists; a message instead when the migrating user may not."""
    if _fetch_one(connection, "SELECT 1 FROM pg_roles WHERE rolname = %s", [role]):
        return None
    may_create = "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    if not _fetch_one(connection, may_create):
        return (
            f"Skipped: the database role {role} doesn't exist and this user may not create roles. "
            f"Create it (CREATE ROLE {role} NOLOGIN), grant it to the app's login user, then, as the "
            "tables' owner, run: manage.py shell -c 'from cvms.dbroles import grant_app_role; "
            "grant_app_role()'"
        )
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        # Roles belong to the whole cluster: another database's migration may create it at the
        # same moment, which is as good.
        cursor.execute(
            f"""DO $$ BEGIN CREATE ROLE {quoted} NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"""
        )
    return None


def grant_app_role(
    *, connection: BaseDatabaseWrapper = default_connection, role: str = APP_ROLE
) -> str | None:
    """Create the app's role if needed and grant it what the application needs in the current
    schema; return a message when it had to be skipped (not PostgreSQL, or no right to)."""
    if connection.vendor != "postgresql":
        return None
    skipped = _create_role(connection, role)
    if skipped:
        return skipped
    quote = connection.ops.quote_name
    schema, grantee = quote(_fetch_one(connection, "SELECT current_schema()")), quote(role)
    tables = ", ".join(quote(table) for table in APPEND_ONLY_TABLES)
    with connection.cursor() as cursor:
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
            # The audit trail is read and added to, never changed.
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM {grantee}",
            # Tables and sequences the owner creates later (any app's migrations) come granted.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
            f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {grantee}",
        ):
            cursor.execute(statement)
    return None
