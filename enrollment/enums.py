from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    PROVIDER = "provider", _("Vaccine provider")
    EMPLOYER = "employer", _("Employer or residential organization")


class OrganizationStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    SUSPENDED = "suspended", _("Suspended")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class ProviderType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital or health system")
    PHARMACY = "pharmacy", _("Pharmacy")
    PRIMARY_CARE = "primary_care", _("Primary care practice")
    HEALTH_DEPARTMENT = "health_department", _("Local health department")
    FQHC = "fqhc", _("Federally qualified health center")
    URGENT_CARE = "urgent_care", _("Urgent care")
    LONG_TERM_CARE = "long_term_care", _("Long-term care facility")
    OTHER = "other_provider", _("Other provider")


class EmployerType(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    NURSING_HOME = "nursing_home", _("Nursing home or long-term care residence")
    UNIVERSITY = "university", _("College or university")
    RESIDENTIAL = "residential", _("Other residential organization")


class LicensingAuthority(models.TextChoices):
    MEDICAL_BOARD = "ncmb", _("North Carolina Medical Board")
    PHARMACY_BOARD = "ncbop", _("North Carolina Board of Pharmacy")
    NURSING_BOARD = "ncbon", _("North Carolina Board of Nursing")
    DHSR = "dhsr", _("NC DHHS Division of Health Service Regulation")
    OTHER = "other", _("Other licensing authority")


class PrescriberCredential(models.TextChoices):
    MD = "md", _("Physician (MD)")
    DO = "do", _("Physician (DO)")
    NP = "np", _("Nurse practitioner")
    PA = "pa", _("Physician assistant")
    PHARMD = "pharmacist", _("Pharmacist")


class DecisionAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    INFO_REQUESTED = "info_requested", _("More information requested")


class ReadinessScope(models.TextChoices):
    ALL = "all", _("Every applicant")
    PROVIDER = "provider", _("Providers")
    EMPLOYER = "employer", _("Employers and residential organizations")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")
