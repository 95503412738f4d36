"""Rosters (uploads, their checked rows and errors), the people on them, and their invitations."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.enums import DeliveryStatus, FileFormat, InviteeStatus, Language, LinkState, UploadStatus


class RosterUpload(models.Model):
    """A roster file an organization sent, and how far reading and importing it have gone."""

    organization = models.ForeignKey(
        "enrollment.Organization", on_delete=models.CASCADE, related_name="roster_uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="rosters/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    # The language of the person who uploaded: row errors are written in it.
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the current phase.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # Once read: the file's people not on the roster yet (new), on it with a detail that differs
    # (updated: changed by the import), and on it as written (unchanged); `field_changes` counts
    # the people each detail would change ({"date_of_birth": 1}). Once imported: what it did.
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    field_changes = models.JSONField(default=dict, blank=True)
    # New people without an account: each gets an invitation when the send task reaches them.
    people_to_invite = models.PositiveIntegerField(default=0)
    # When every new person's invitation had been made (pending, to be sent by batches): until
    # then, the sweep re-runs the dispatch of an upload whose dispatch was lost.
    invitations_made_at = models.DateTimeField(null=True, blank=True)
    # When a worker took the reading (or the person asked for the import), and how many times:
    # the sweep hands a job whose worker died back to a new one, a few times at most.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="rosterupload_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class RosterRow(models.Model):
    """A valid row of an upload, waiting for the organization to choose to import it.

    A staging table: rows are COPYed in while the file is read and deleted once imported or
    discarded. On PostgreSQL it is UNLOGGED (migration 0002), since it can be rebuilt from the
    file. `priority_group_id` is a plain number, not a foreign key, so that the state may still
    change its groups while a roster waits; the import then checks it.
    """

    # No foreign-key constraint: checking one per COPYed row would slow the load for nothing
    # (rows are written only by the worker, for an upload it has just read).
    upload = models.ForeignKey(
        RosterUpload, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    line = models.PositiveIntegerField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField()
    priority_group_id = models.BigIntegerField(null=True)
    occupation = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8)

    class Meta:
        # By upload only: every query reads an upload's rows as a whole (hashing or sorting the
        # e-mails), and the wider key cost about 0.3 s per 100,000 rows COPYed while reading.
        indexes = [models.Index(fields=["upload"], name="rosterrow_upload")]

    def __str__(self) -> str:
        return f"{self.line}: {self.email}"


class RosterError(models.Model):
    """What is wrong with one cell (or row) of an upload, by line and column."""

    upload = models.ForeignKey(RosterUpload, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["upload", "line"], name="rostererror_upload_line")]

    def __str__(self) -> str:
        return f"{self.line} {self.column}: {self.message}"


class Invitee(models.Model):
    """A person on an organization's roster, before (and after) they register.

    One row per organization and e-mail address: a later roster that names the same person
    updates this row. `recipient_id` is set by the recipients app (a higher layer, so no
    foreign key from here) when the person registers.
    """

    # No index of its own: the unique (organization, email) index serves it.
    organization = models.ForeignKey(
        "enrollment.Organization", on_delete=models.CASCADE, related_name="invitees", db_index=False
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.CharField(_("e-mail"), max_length=254)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    # No index: nobody looks people up by group, and each index slows a large import. The
    # foreign key stays: it costs about a tenth of a large import, and it is the last guard
    # against people naming a group that is gone.
    priority_group = models.ForeignKey(
        "enrollment.PriorityGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    status = models.CharField(max_length=16, choices=InviteeStatus.choices, default=InviteeStatus.ADDED)
    recipient_id = models.BigIntegerField(null=True, blank=True)
    # The upload that first put this person on the roster, and the latest that changed them.
    # Bookkeeping for the import, without database constraints: a foreign-key check per row
    # would slow a large import by a third for references the import itself just made.
    created_by_upload = models.ForeignKey(
        RosterUpload,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    last_upload = models.ForeignKey(
        RosterUpload,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="invitee_unique_email"),
            # The import relies on addresses being stored in lower case (one person, one row).
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="invitee_email_lower"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="invitee_org_status"),
            # A person's roster rows (when they register, book or are vaccinated, and on merges):
            # only the rows of people who registered are indexed, so a large import stays fast.
            models.Index(
                fields=["recipient_id"],
                condition=models.Q(recipient_id__isnull=False),
                name="invitee_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Invitation(models.Model):
    """One e-mailed link for one invitee: signed (see `employers.selectors.invitation_token`),
    expiring, and good for one registration."""

    invitee = models.ForeignKey(Invitee, on_delete=models.CASCADE, related_name="invitations")
    # Which import made it (no constraint, as for Invitee.created_by_upload); None for a resend.
    upload = models.ForeignKey(
        RosterUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    # The random part of the link; the link carries it signed with the site's secret key.
    # Unique by a constraint in Meta rather than `unique=True`, which on PostgreSQL also builds
    # a second (LIKE-pattern) index that no query uses and every import pays for.
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # The e-mail's delivery, as cvms.emails keeps it for its own: when a worker claimed it (a
    # claim older than cvms.emails.CLAIM_TIMEOUT is a dead worker's), the attempts, when the
    # sweep should hand it to a worker again, and the mail server's last refusal.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by_recipient_id = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="invitation_unique_key"),
            # An import invites each of its new people once, however often its send task runs.
            models.UniqueConstraint(
                fields=["invitee", "upload"],
                condition=models.Q(upload__isnull=False),
                name="invitation_one_per_import",
            ),
            # A link is used at most once and never after it was revoked.
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_used_and_revoked",
            ),
        ]
        indexes = [
            # What the sweep looks for every minute: the few invitations not sent yet (sent ones
            # leave this index, so it stays small however many were sent).
            models.Index(
                fields=["status", "created_at"],
                condition=models.Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                name="invitation_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.status})"

    def link_state(self, now: datetime | None = None) -> LinkState:
        now = now or timezone.now()
        if self.used_at is not None:
            return LinkState.USED
        if self.revoked_at is not None:
            return LinkState.REVOKED
        if self.expires_at is None:
            return LinkState.UNSENT
        if self.expires_at <= now:
            return LinkState.EXPIRED
        return LinkState.VALID
