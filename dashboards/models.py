"""Summary tables the dashboards read, kept current from the records by `dashboards.services`
(one set-based query per breakdown, never a loop over doses).

At state scale (millions of doses) a dashboard can't group the dose records at each request
within 50 ms; it reads these small tables instead. Each holds one row per day and per the
filters every dashboard offers (county, product, priority group), so that any filter and date
range is a sum over an index range. The rows of a day are rebuilt whole when a record of that day
is created or changed (`summaries_refresh`), so a correction or a void is reflected as surely as
a new dose.
"""

from django.db import models
from django.utils import timezone

from dashboards.enums import DoseDimension, PipelineStage, SupplyKind


class DoseDay(models.Model):
    """Doses given on a day, in a county (the person's county of residence, else the location's),
    of a product, to a priority group, broken down by one dimension (`value` is the dose number,
    the location id, the age band, ... as text)."""

    day = models.DateField()
    county = models.ForeignKey("enrollment.County", null=True, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.CASCADE, related_name="+")
    priority_group = models.ForeignKey(
        "enrollment.PriorityGroup", null=True, on_delete=models.CASCADE, related_name="+"
    )
    dimension = models.CharField(max_length=16, choices=DoseDimension.choices)
    value = models.CharField(max_length=40)
    doses = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "day"], name="doseday_dimension_day"),
            # A dashboard filtered by a county reads its county's rows only (a hundredth).
            models.Index(fields=["dimension", "county", "day"], name="doseday_dimension_county_day"),
            # A refresh deletes the rows of the days it rebuilds.
            models.Index(fields=["day"], name="doseday_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value}: {self.doses}"


class PeopleDay(models.Model):
    """People who reached a stage of the pipeline on a day, by county and priority group.
    Invitations carry no county (a roster has none): their rows have none."""

    day = models.DateField()
    county = models.ForeignKey("enrollment.County", null=True, on_delete=models.CASCADE, related_name="+")
    priority_group = models.ForeignKey(
        "enrollment.PriorityGroup", null=True, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(max_length=16, choices=PipelineStage.choices)
    people = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="peopleday_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.stage}: {self.people}"


class SupplyDay(models.Model):
    """Doses of a product allocated to, delivered to, administered or wasted at a location on a
    day (allocations on their week's Monday), from the stock ledger and the allocations; wasted
    doses keep their reason."""

    day = models.DateField()
    location = models.ForeignKey("enrollment.Location", on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey("enrollment.County", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SupplyKind.choices)
    reason = models.CharField(max_length=32, blank=True)
    doses = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "day"], name="supplyday_kind_day"),
            models.Index(fields=["location", "kind", "day"], name="supplyday_location_kind_day"),
            models.Index(fields=["day"], name="supplyday_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} {self.kind}: {self.doses}"


class SummaryWatermark(models.Model):
    """How far each summary has been brought up to date (one row per summary)."""

    name = models.CharField(max_length=32, unique=True)
    refreshed_at = models.DateTimeField(default=timezone.now)
    # When a refresh last rebuilt anything: the dashboards' cache keys hold it, so that a
    # minute's refresh that found nothing new keeps every drawn chart.
    changed_at = models.DateTimeField(default=timezone.now)
    last_movement_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
