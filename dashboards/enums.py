from django.db import models
from django.utils.translation import gettext_lazy as _


class DoseDimension(models.TextChoices):
    """What one `DoseDay` row breaks the doses of its day down by (the row's `value`)."""

    DOSE = "dose", _("Dose number")
    LOCATION = "location", _("Provider location")
    AGE = "age", _("Age band")
    SEX = "sex", _("Sex")
    RACE = "race", _("Race")
    ETHNICITY = "ethnicity", _("Ethnicity")
    # People reaching a milestone: their first dose, or the dose that completes their series.
    MILESTONE = "milestone", _("Milestone")
    # The first doses by "race|ethnicity", for the equity view (minority against white
    # non-Hispanic people, as the SVI counts its minority population).
    PEOPLE = "people", _("First doses by race and ethnicity")


class Milestone(models.TextChoices):
    FIRST = "first", _("At least one dose")
    COMPLETED = "completed", _("Completed series")


class PipelineStage(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    INVITED = "invited", _("Invited")
    BOOKED = "booked", _("Booked")
    VACCINATED = "vaccinated", _("Vaccinated")


class SupplyKind(models.TextChoices):
    ALLOCATED = "allocated", _("Allocated")
    DELIVERED = "delivered", _("Delivered")
    ADMINISTERED = "administered", _("Administered")
    WASTED = "wasted", _("Wasted")
    # Transfers and count adjustments: doses in or out that are neither delivered nor used.
    MOVED = "moved", _("Moved or adjusted")


# CDC's age bands for COVID-19 vaccination reporting (the lower bound of each).
AGE_BANDS = [(0, "0-4"), (5, "5-11"), (12, "12-17"), (18, "18-24"), (25, "25-39"), (40, "40-49"),
             (50, "50-64"), (65, "65-74"), (75, "75+")]  # fmt: skip
