"""The state's search of people by any part of a name or e-mail (`recipients_search`, icontains:
`UPPER(column) LIKE '%word%'`) served by a trigram index instead of a scan of every person: over
a million people a surname took 10 s, walking the list's name order row by row (issue 18).

PostgreSQL only (pg_trgm is a trusted extension: the database's owner may create it); nothing on
SQLite, where `make run` holds a demo's worth of people. Built CONCURRENTLY, so that writes to the
table go on while it builds. Not in the model's Meta: Django can't declare an operator class index
that SQLite skips."""

from django.db import migrations

INDEX = "recipient_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON recipients_recipient USING gin "
        "(UPPER(first_name) gin_trgm_ops, UPPER(last_name) gin_trgm_ops, UPPER(email) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("recipients", "0011_scale_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
