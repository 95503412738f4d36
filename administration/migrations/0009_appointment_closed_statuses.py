"""An appointment's life ends: vaccinated or refused (issue 14). The appointments that a dose or a
refusal left "arrived" until now are closed as what their record says."""

from django.db import migrations, models


def close_recorded(apps, schema_editor):
    Appointment = apps.get_model("administration", "Appointment")
    arrived = Appointment.objects.filter(status="attended", administration_record__isnull=False)
    arrived.filter(administration_record__refused=True).update(status="refused")
    arrived.filter(administration_record__refused=False).update(status="vaccinated")


def reopen_recorded(apps, schema_editor):
    Appointment = apps.get_model("administration", "Appointment")
    Appointment.objects.filter(status__in=["refused", "vaccinated"]).update(status="attended")


class Migration(migrations.Migration):
    dependencies = [
        ("administration", "0008_dose_validity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("attended", "Arrived"),
                    ("vaccinated", "Vaccinated"),
                    ("refused", "Refused"),
                    ("no_show", "Did not come"),
                    ("cancelled", "Cancelled"),
                ],
                default="booked",
                max_length=16,
            ),
        ),
        migrations.RunPython(close_recorded, reopen_recorded),
    ]
