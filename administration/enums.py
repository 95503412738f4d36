from django.db import models
from django.utils.translation import gettext_lazy as _


class ClinicStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Arrived")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses that hold a place in a slot (and count against the clinic's stock).
HOLDS_PLACE = (AppointmentStatus.BOOKED,)
