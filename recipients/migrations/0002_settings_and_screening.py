from django.db import migrations

QUESTIONS = [
    (
        "severe_allergy",
        1,
        "Have you ever had a severe allergic reaction (anaphylaxis) to a vaccine or an injection?",
        "¿Ha tenido alguna vez una reacción alérgica grave (anafilaxia) a una vacuna o una inyección?",
    ),
    (
        "covid_symptoms",
        2,
        "Do you have symptoms of COVID-19 or are you in isolation or quarantine now?",
        "¿Tiene síntomas de COVID-19 o está ahora en aislamiento o cuarentena?",
    ),
]


def forwards(apps, schema_editor):
    RegistrationSettings = apps.get_model("recipients", "RegistrationSettings")
    ScreeningQuestion = apps.get_model("recipients", "ScreeningQuestion")
    RegistrationSettings.objects.get_or_create(pk=1)
    for code, position, text_en, text_es in QUESTIONS:
        ScreeningQuestion.objects.get_or_create(
            code=code, defaults={"position": position, "text_en": text_en, "text_es": text_es}
        )


class Migration(migrations.Migration):
    dependencies = [("recipients", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
