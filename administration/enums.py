"""Choices of the administration app: clinics and appointments, dose records, registry files."""

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


# --- Dose records ----------------------------------------------------------------------------


class Route(models.TextChoices):
    """NCIt route codes (CVRS vax_route, HL7 RXR-1)."""

    INTRAMUSCULAR = "C28161", _("Intramuscular (IM)")
    SUBCUTANEOUS = "C38299", _("Subcutaneous (SC)")
    INTRADERMAL = "C38238", _("Intradermal (ID)")
    NASAL = "C38284", _("Nasal")
    ORAL = "C38288", _("Oral")


class Site(models.TextChoices):
    """HL7 table 0163 (CVRS vax_admin_site, HL7 RXR-2)."""

    LEFT_DELTOID = "LD", _("Left deltoid")
    RIGHT_DELTOID = "RD", _("Right deltoid")
    LEFT_ARM = "LA", _("Left arm")
    RIGHT_ARM = "RA", _("Right arm")
    LEFT_THIGH = "LT", _("Left thigh")
    RIGHT_THIGH = "RT", _("Right thigh")
    LEFT_VASTUS_LATERALIS = "LVL", _("Left vastus lateralis")
    RIGHT_VASTUS_LATERALIS = "RVL", _("Right vastus lateralis")


class RecordSource(models.TextChoices):
    ONLINE = "online", _("Recorded online")
    PAPER = "paper", _("Back-filled from a paper form")


class RecordStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    CORRECTED = "corrected", _("Corrected")
    VOIDED = "voided", _("Voided")


class BackfillLineStatus(models.TextChoices):
    """What became of one line of a back-filled CSV of paper forms."""

    RECORDED = "recorded", _("recorded")
    DUPLICATE = "duplicate", _("duplicate")
    REFUSED = "refused", _("refused")


class RefusalReason(models.TextChoices):
    """NIP002 (HL7 RXA-18)."""

    PARENTAL_DECISION = "00", _("Parental decision")
    RELIGIOUS_EXEMPTION = "01", _("Religious exemption")
    OTHER = "02", _("Other")
    PATIENT_DECISION = "03", _("Patient decision")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")


# --- Registry files and printed forms --------------------------------------------------------


class ExportKind(models.TextChoices):
    CVRS = "cvrs", _("CDC CVRS file")
    HL7 = "hl7", _("HL7 VXU batch")
    FORMS_BLANK = "forms_blank", _("Blank registration and administration forms")
    FORMS_CLINIC = "forms_clinic", _("Registration and administration forms for a clinic's bookings")
    INVENTORY_LEVELS = "inventory_levels", _("Inventory levels form")


# The registry exports are the state's files; the other kinds are an organization's printed forms.
REGISTRY_EXPORTS = (ExportKind.CVRS, ExportKind.HL7)


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
