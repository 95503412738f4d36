from django.db import migrations


def unlogged(apps, schema_editor):
    # The staging table holds rows that can be read again from the file: skipping the
    # write-ahead log makes loading a large roster about twice as fast. PostgreSQL only.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE employers_rosterrow SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE employers_rosterrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]

    operations = [migrations.RunPython(unlogged, logged)]
