"""Each county's Social Vulnerability Index (CDC/ATSDR SVI 2018, overall percentile, 0 to 1) from
enrollment/data/nc_county_svi.csv: the state's allocation planning weighs a county's waiting
people by it (inventory/proposals.py)."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    County = apps.get_model("enrollment", "County")
    with open(DATA / "nc_county_svi.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            County.objects.filter(fips=row["county_fips"]).update(svi_overall=Decimal(row["svi_overall"]))


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0010_priority_group_rules")]

    operations = [
        migrations.AddField(
            model_name="county",
            name="svi_overall",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                help_text="CDC/ATSDR Social Vulnerability Index, overall percentile (0 least, 1 most vulnerable).",
                max_digits=5,
                null=True,
                verbose_name="social vulnerability index",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
