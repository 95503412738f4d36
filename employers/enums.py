from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be read")
    VALIDATING = "validating", _("Reading and checking")
    VALIDATED = "validated", _("Checked: choose what to import")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    DISCARDED = "discarded", _("Nothing imported")
    FAILED = "failed", _("Failed")


# The statuses in which the upload page polls for progress.
UPLOAD_WORKING = frozenset({UploadStatus.QUEUED, UploadStatus.VALIDATING, UploadStatus.IMPORTING})


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class InviteeStatus(models.TextChoices):
    """Where a person on a roster stands; the recipients and administration apps move it on
    through `employers.services.progress.invitee_status_set`."""

    ADDED = "added", _("On the roster")
    HAS_ACCOUNT = "has_account", _("Already has an account")
    INVITED = "invited", _("Invited")
    OPENED = "opened", _("Opened the invitation")
    REGISTERED = "registered", _("Registered")
    BOOKED = "booked", _("Booked")
    VACCINATED = "vaccinated", _("Vaccinated")
    REVOKED = "revoked", _("Invitation revoked")


class LinkState(models.TextChoices):
    """Whether an invitation link works now (`Invitation.link_state()`, worked out, not stored)."""

    VALID = "valid"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNSENT = "unsent"  # not mailed yet
    INVALID = "invalid"  # the token names no invitation (said by the pages, never by link_state)


class DeliveryStatus(models.TextChoices):
    """The invitation e-mail's state: a worker claims `pending` rows by moving them to
    `sending`, so a retried or re-run task never sends one twice."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class InvitationProof(models.TextChoices):
    """How the holder of an invitation link proved it is theirs (employers.services.proof)."""

    ACCOUNT = "account", _("Signed in with the invited address")
    EMAIL = "email", _("A code sent to the invited address")
    DATE_OF_BIRTH = "date_of_birth", _("The date of birth on the roster")
