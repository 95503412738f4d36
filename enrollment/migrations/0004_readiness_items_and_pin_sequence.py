"""The default readiness checklist (the state edits it in the admin) and, on PostgreSQL, the
sequence new provider PINs are drawn from (safe under concurrent approvals)."""

from django.db import migrations

ITEMS = [
    ("all", "Our point of contact can answer the state's questions within two business days.", ""),
    (
        "provider",
        "Each location has storage units that keep vaccine at the required temperature, with a "
        "digital data logger and a temperature log.",
        "CDC Vaccine Storage and Handling Toolkit.",
    ),
    (
        "provider",
        "Our staff who give vaccine are trained on the COVID-19 vaccines, their storage and their "
        "administration.",
        "",
    ),
    (
        "provider",
        "We can report every dose we give to the state within 24 hours.",
        "Through CVMS or an immunization registry message (HL7 VXU).",
    ),
    (
        "provider",
        "We can manage and report adverse events through VAERS.",
        "",
    ),
    (
        "employer",
        "We can send the state a list of our people (employees, patients or residents) with their "
        "e-mail addresses.",
        "",
    ),
    (
        "employer",
        "We will tell our people how their personal information is used.",
        "",
    ),
]


def seed_items(apps, schema_editor):
    ReadinessItem = apps.get_model("enrollment", "ReadinessItem")
    if ReadinessItem.objects.exists():
        return
    ReadinessItem.objects.bulk_create(
        [
            ReadinessItem(applies_to=scope, text=text, help_text=help_text, position=position)
            for position, (scope, text, help_text) in enumerate(ITEMS, start=1)
        ]
    )


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE SEQUENCE IF NOT EXISTS enrollment_pin_seq MINVALUE 1 MAXVALUE 999999 START 651000"
        )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS enrollment_pin_seq")


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0003_application_models_and_pins")]

    operations = [
        migrations.RunPython(seed_items, migrations.RunPython.noop),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
