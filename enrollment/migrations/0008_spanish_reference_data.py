"""Spanish names for the reference data people read (cvms/translated.py): the counties ("Condado
de Wake"), the default priority groups (enrollment/data/priority_groups.csv) and the default
readiness checklist. A row the state has reworded since keeps its English until someone writes
its Spanish."""

import csv
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data"

READINESS_ES = {
    "Our point of contact can answer the state's questions within two business days.": (
        "Nuestra persona de contacto puede responder a las preguntas del estado en un plazo de dos "
        "días hábiles.",
        "",
    ),
    "Each location has storage units that keep vaccine at the required temperature, with a "
    "digital data logger and a temperature log.": (
        "Cada sede tiene unidades de almacenamiento que mantienen la vacuna a la temperatura "
        "requerida, con un registrador digital de datos y un registro de temperaturas.",
        "Guía de almacenamiento y manejo de vacunas de los CDC.",
    ),
    "Our staff who give vaccine are trained on the COVID-19 vaccines, their storage and their "
    "administration.": (
        "Nuestro personal que administra vacunas está capacitado en las vacunas contra el COVID-19, "
        "su almacenamiento y su administración.",
        "",
    ),
    "We can report every dose we give to the state within 24 hours.": (
        "Podemos informar al estado de cada dosis que administramos en un plazo de 24 horas.",
        "A través de CVMS o de un mensaje al registro de vacunación (HL7 VXU).",
    ),
    "We can manage and report adverse events through VAERS.": (
        "Podemos gestionar y notificar los eventos adversos a través de VAERS.",
        "",
    ),
    "We can send the state a list of our people (employees, patients or residents) with their "
    "e-mail addresses.": (
        "Podemos enviar al estado una lista de nuestras personas (empleados, pacientes o residentes) "
        "con sus direcciones de correo electrónico.",
        "",
    ),
    "We will tell our people how their personal information is used.": (
        "Informaremos a nuestras personas de cómo se usan sus datos personales.",
        "",
    ),
}


def spanish_county_name(name: str) -> str:
    return f"Condado de {name.removesuffix(' County')}"


def fill(apps, schema_editor):
    County = apps.get_model("enrollment", "County")
    PriorityGroup = apps.get_model("enrollment", "PriorityGroup")
    ReadinessItem = apps.get_model("enrollment", "ReadinessItem")
    counties = list(County.objects.filter(name_es=""))
    for county in counties:
        county.name_es = spanish_county_name(county.name)
    County.objects.bulk_update(counties, ["name_es"])
    with open(DATA / "priority_groups.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            PriorityGroup.objects.filter(code=row["code"], label=row["label"], label_es="").update(
                label_es=row["label_es"]
            )
            PriorityGroup.objects.filter(
                code=row["code"], description=row["description"], description_es=""
            ).update(description_es=row["description_es"])
    for text, (text_es, help_text_es) in READINESS_ES.items():
        ReadinessItem.objects.filter(text=text, text_es="").update(text_es=text_es, help_text_es=help_text_es)


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0007_location_iis_facility_id")]

    operations = [
        migrations.AddField(
            model_name="county", name="name_es", field=models.CharField(blank=True, max_length=100)
        ),
        migrations.AddField(
            model_name="prioritygroup", name="label_es", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.AddField(
            model_name="prioritygroup", name="description_es", field=models.TextField(blank=True)
        ),
        migrations.AddField(
            model_name="readinessitem",
            name="text_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="question in Spanish"),
        ),
        migrations.AddField(
            model_name="readinessitem",
            name="help_text_es",
            field=models.CharField(blank=True, max_length=500, verbose_name="explanation in Spanish"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
