"""The default team, which receives every case that no routing rule matches."""

from django.db import migrations


def create_default_team(apps, schema_editor):
    Team = apps.get_model("helpdesk", "Team")
    if not Team.objects.filter(is_default=True).exists():
        Team.objects.create(name="General support", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_initial")]

    operations = [migrations.RunPython(create_default_team, migrations.RunPython.noop)]
