"""The helpdesk requester role: its group, and the role's place among Membership's choices."""

from django.db import migrations, models


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="helpdesk_requester")


class Migration(migrations.Migration):

    dependencies = [
        ('cvms', '0002_role_groups_and_append_only_audit'),
    ]

    operations = [
        migrations.AlterField(
            model_name='membership',
            name='role',
            field=models.CharField(choices=[('state_official', 'State official'), ('provider_admin', 'Provider administrator'), ('vaccinator', 'Vaccinator'), ('employer_admin', 'Employer administrator'), ('recipient', 'Recipient'), ('helpdesk_agent', 'Helpdesk agent'), ('helpdesk_requester', 'Helpdesk requester')], max_length=32),
        ),
        migrations.RunPython(create_group, migrations.RunPython.noop),
    ]
