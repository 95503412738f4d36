"""The hash chain over the audit trail (`AuditSeal`), the audit log's index for its newest-first
order, and on PostgreSQL triggers that keep both audit tables append-only: seals refuse UPDATE and
DELETE as events already do (0002), and both tables refuse TRUNCATE, which row triggers don't see.

The test settings alone set `cvms.flushing_test_database`, so that the test runner can still empty
the database between transactional tests; the app's role can't TRUNCATE anyway (0006)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION cvms_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('cvms.flushing_test_database', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cvms_auditseal_append_only
    BEFORE UPDATE OR DELETE ON cvms_auditseal
    FOR EACH ROW EXECUTE FUNCTION cvms_audit_append_only();
CREATE TRIGGER cvms_auditseal_no_truncate
    BEFORE TRUNCATE ON cvms_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION cvms_audit_append_only();
CREATE TRIGGER cvms_auditevent_no_truncate
    BEFORE TRUNCATE ON cvms_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION cvms_audit_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS cvms_auditevent_no_truncate ON cvms_auditevent;
DROP TRIGGER IF EXISTS cvms_auditseal_no_truncate ON cvms_auditseal;
DROP TRIGGER IF EXISTS cvms_auditseal_append_only ON cvms_auditseal;
DROP FUNCTION IF EXISTS cvms_audit_append_only();
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the `%` of RAISE are the function's own placeholders.
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('cvms', '0004_outbox'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('seq', models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                ('chain_hash', models.CharField(max_length=64)),
            ],
            options={
                'ordering': ['seq'],
            },
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['at', 'id'], name='cvms_auditevent_at_id'),
        ),
        migrations.AddField(
            model_name='auditseal',
            name='event',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='seal', to='cvms.auditevent'),
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
