"""The colleague invitation is renamed `ColleagueInvitation` (employers' roster `Invitation` keeps
its name). Its table keeps its name: the model first names it explicitly, then is renamed, so
neither step moves data (`sqlmigrate enrollment 0006` shows no SQL)."""

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ("enrollment", "0005_location_site_type"),
    ]

    operations = [
        migrations.AlterModelTable(name="invitation", table="enrollment_invitation"),
        migrations.RenameModel(old_name="Invitation", new_name="ColleagueInvitation"),
        migrations.AlterField(
            model_name="colleagueinvitation",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="colleague_invitations",
                to="enrollment.organization",
            ),
        ),
    ]
