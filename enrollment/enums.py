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


class ColleagueInvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


class SiteType(models.TextChoices):
    """What kind of site a location is, in the value set of the CDC COVID-19 Vaccination Program
    Provider Agreement: reported to the CDC as CVRS `admin_type` and HL7 RXA-11."""

    COMMERCIAL = "1", _("Commercial vaccination service provider")
    CORRECTIONS = "2", _("Corrections or detention health services")
    COMMUNITY_HEALTH_CENTER = "3", _("Health center: community")
    MIGRANT_HEALTH_CENTER = "4", _("Health center: migrant or refugee")
    OCCUPATIONAL_HEALTH_CENTER = "5", _("Health center: occupational")
    STD_HIV_CLINIC = "6", _("Health center: STD/HIV clinic")
    STUDENT_HEALTH_CENTER = "7", _("Health center: student")
    HOME_HEALTH = "8", _("Home health care provider")
    HOSPITAL = "9", _("Hospital")
    INDIAN_HEALTH_SERVICE = "10", _("Indian Health Service")
    TRIBAL_HEALTH = "11", _("Tribal health")
    FAMILY_MEDICINE = "12", _("Medical practice: family medicine")
    PEDIATRICS = "13", _("Medical practice: pediatrics")
    INTERNAL_MEDICINE = "14", _("Medical practice: internal medicine")
    OB_GYN = "15", _("Medical practice: OB/GYN")
    OTHER_SPECIALTY = "16", _("Medical practice: other specialty")
    CHAIN_PHARMACY = "17", _("Pharmacy: chain")
    INDEPENDENT_PHARMACY = "18", _("Pharmacy: independent")
    PUBLIC_HEALTH_CLINIC = "19", _("Public health provider: public health clinic")
    PUBLIC_HEALTH_FQHC = "20", _("Public health provider: Federally Qualified Health Center")
    RURAL_HEALTH_CLINIC = "21", _("Public health provider: Rural Health Clinic")
    NURSING_HOME_FEDERAL = (
        "22",
        _("Long-term care: nursing home or skilled nursing facility, federally certified"),
    )
    NURSING_HOME_OTHER = (
        "23",
        _("Long-term care: nursing home or skilled nursing facility, not federally certified"),
    )
    ASSISTED_LIVING = "24", _("Long-term care: assisted living")
    DISABILITY_CARE = "25", _("Long-term care: intellectual or developmental disability")
    LONG_TERM_CARE_COMBINED = "26", _("Long-term care: combination")
    URGENT_CARE = "27", _("Urgent care")
    OTHER = "28", _("Other")


class GroupAttestation(models.TextChoices):
    """What a person must attest to belong to a priority group that their date of birth alone
    doesn't prove (recipients records the attestation: who, what, when)."""

    NONE = "", _("Nothing: the date of birth decides")
    OCCUPATION = "occupation", _("Their occupation")
    CONDITION = "condition", _("A high-risk medical condition")
    SETTING = "setting", _("Where they live or work (a group setting)")
