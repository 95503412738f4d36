"""The role groups, and a PostgreSQL trigger that refuses any UPDATE or DELETE of an audit event
(the ORM refuses them too; the trigger also covers raw SQL)."""

from django.db import migrations

ROLES = ["state_official", "provider_admin", "vaccinator", "employer_admin", "recipient", "helpdesk_agent"]

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION cvms_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cvms_auditevent_append_only
    BEFORE UPDATE OR DELETE ON cvms_auditevent
    FOR EACH ROW EXECUTE FUNCTION cvms_auditevent_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS cvms_auditevent_append_only ON cvms_auditevent;
DROP FUNCTION IF EXISTS cvms_auditevent_append_only();
"""


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("cvms", "0001_initial")]

    operations = [
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
