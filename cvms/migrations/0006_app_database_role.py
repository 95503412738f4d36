"""The database role the web, worker and beat processes work as (cvms/dbroles.py): every table
but the audit trail's may be read and written, the audit trail only read and added to.

PostgreSQL only; skipped with a message when the migrating user may not create the role."""

from django.db import migrations

from cvms.dbroles import grant_app_role


def grant(apps, schema_editor):
    skipped = grant_app_role(connection=schema_editor.connection)
    if skipped:
        print(f"\n  {skipped}")


class Migration(migrations.Migration):
    dependencies = [("cvms", "0005_audit_seal_chain")]

    # Backwards the grants stay: the role belongs to the whole cluster, not to these tables.
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
