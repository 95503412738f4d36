"""Load the state's counties, ZIP codes and default priority groups from enrollment/data/."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load(apps, schema_editor):
    County = apps.get_model("enrollment", "County")
    ZipCode = apps.get_model("enrollment", "ZipCode")
    PriorityGroup = apps.get_model("enrollment", "PriorityGroup")
    County.objects.bulk_create(
        [County(fips=r["fips"], name=r["name"], population=int(r["population"])) for r in rows("nc_counties.csv")],
        ignore_conflicts=True,
    )
    ZipCode.objects.bulk_create(
        [ZipCode(zip=r["zip"], county_id=r["county_fips"]) for r in rows("nc_zip_county.csv")],
        ignore_conflicts=True,
    )
    for r in rows("priority_groups.csv"):
        PriorityGroup.objects.get_or_create(
            code=r["code"],
            defaults={"position": int(r["position"]), "label": r["label"], "description": r["description"]},
        )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
