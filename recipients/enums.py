"""Value sets of the CDC COVID-19 Vaccination Reporting Specification (reference/cvrs.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    """recip_sex (HL7 table 0001 subset)."""

    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown or prefer not to say")


class Race(models.TextChoices):
    """recip_race_1 … recip_race_6 (CDC race codes, HL7 table 0005)."""

    AMERICAN_INDIAN = "1002-5", _("American Indian or Alaska Native")
    ASIAN = "2028-9", _("Asian")
    BLACK = "2054-5", _("Black or African American")
    PACIFIC_ISLANDER = "2076-8", _("Native Hawaiian or Other Pacific Islander")
    WHITE = "2106-3", _("White")
    OTHER = "2131-1", _("Other race")
    UNKNOWN = "UNK", _("Unknown")
    POLICY = "POL", _("Prefer not to say")


class Ethnicity(models.TextChoices):
    """recip_ethnicity (HL7 table 0189)."""

    HISPANIC = "2135-2", _("Hispanic or Latino")
    NOT_HISPANIC = "2186-5", _("Not Hispanic or Latino")
    UNKNOWN = "UNK", _("Unknown")
    POLICY = "POL", _("Prefer not to say")


class YesNoUnknown(models.TextChoices):
    YES = "YES", _("Yes")
    NO = "NO", _("No")
    UNKNOWN = "UNK", _("I don't know")


class RegistrationSource(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    SELF = "self", _("Self-registration")
    STAFF = "staff", _("Registered by staff")


class GuardianRelationship(models.TextChoices):
    """The responsible party of a minor, as the immunization registry receives it (HL7 NK1-3,
    table 0063)."""

    MOTHER = "MTH", _("Mother")
    FATHER = "FTH", _("Father")
    PARENT = "PAR", _("Parent")
    GUARDIAN = "GRD", _("Legal guardian")
    GRANDPARENT = "GRP", _("Grandparent")
    CAREGIVER = "CGV", _("Caregiver")
    OTHER = "OTH", _("Other")
