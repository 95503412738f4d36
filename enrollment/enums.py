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
