from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ENROLLMENT = "enrollment", _("Enrollment")
    INVENTORY = "inventory", _("Inventory")
    ADMINISTRATION = "administration", _("Vaccine administration")
    RECIPIENT_PORTAL = "recipient_portal", _("Recipient portal")
    EMPLOYER_PORTAL = "employer_portal", _("Employer portal")
    ACCOUNT_ACCESS = "account_access", _("Account access")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on requester")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)
# The agents' queue filter "Open": any of the open statuses (not a status a case can have).
ANY_OPEN = "open"


class CaseAction(models.TextChoices):
    """What a line of a case's history records."""

    CREATED = "created", _("Case filed")
    ROUTED = "routed", _("Routed to a team")
    MOVED = "moved", _("Moved to another team")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note added")
    ATTACHED = "attached", _("File attached")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened by the requester")
    REPLIED = "replied", _("Requester replied")
