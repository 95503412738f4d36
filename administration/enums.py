"""Choices of the administration app: clinics and appointments, dose records, registry files."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClinicStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class AppointmentStatus(models.TextChoices):
    """An appointment's life: booked → arrived → vaccinated or refused; or a no-show (marked by
    the clinic, or by the sweep at the end of the clinic day); or cancelled. Vaccinated, refused,
    no-show and cancelled are ends: nothing is recorded against them any more."""

    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Arrived")
    VACCINATED = "vaccinated", _("Vaccinated")
    REFUSED = "refused", _("Refused")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses that hold a place in a slot (and count against the clinic's stock).
HOLDS_PLACE = (AppointmentStatus.BOOKED,)
# The statuses a dose or a refusal may still be recorded against (the person is expected or here).
OPEN_FOR_RECORDING = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED)


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


class VfcEligibility(models.TextChoices):
    """Vaccine funding program eligibility of the person for this dose (HL7 table 0064, OBX
    64994-7), captured at the immunization level."""

    NOT_ELIGIBLE = "V01", _("Not VFC eligible")
    MEDICAID = "V02", _("VFC eligible: Medicaid or Medicaid managed care")
    UNINSURED = "V03", _("VFC eligible: uninsured")
    AMERICAN_INDIAN = "V04", _("VFC eligible: American Indian or Alaska Native")
    UNDERINSURED = "V05", _("VFC eligible: underinsured, at an FQHC, RHC or deputized provider")
    CHIP = "V22", _("CHIP")
    SECTION_317 = "V23", _("Section 317")
    MEDICARE = "V24", _("Medicare")
    STATE_PROGRAM = "V25", _("State program")


# The categories that make a child eligible for Vaccines for Children (federally funded).
VFC_ELIGIBLE = (
    VfcEligibility.MEDICAID,
    VfcEligibility.UNINSURED,
    VfcEligibility.AMERICAN_INDIAN,
    VfcEligibility.UNDERINSURED,
)


class FundingSource(models.TextChoices):
    """Who paid for the dose (CDC PHIN VADS PHVS_ImmunizationFundingSource_IIS, OBX 30963-3)."""

    FEDERAL = "VXC1", _("Federal funds")
    STATE = "VXC2", _("State funds")
    PRIVATE = "PHC70", _("Private funds")


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
    WASTAGE_REPORT = "wastage_report", _("Wasted and expired doses report")


# The registry exports are the state's files; the other kinds are an organization's printed forms.
REGISTRY_EXPORTS = (ExportKind.CVRS, ExportKind.HL7)


class AckCode(models.TextChoices):
    """The registry's acknowledgement of one message (HL7 MSA-1, table 0008)."""

    ACCEPTED = "AA", _("Accepted")
    ERROR = "AE", _("Error")
    REJECTED = "AR", _("Rejected")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
