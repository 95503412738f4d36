"""The core's models: people, what they act for, and the audit trail."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cvms.roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, with the e-mail address as login."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.real_name or self.email

    @property
    def real_name(self) -> str:
        """The person's name as they gave it, "" when they gave none (never the e-mail address,
        which `get_full_name` falls back to): what a form may offer as their name."""
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds (Django groups named after `Role` values)."""
        names = self.groups.values_list("name", flat=True)
        return frozenset(Role(name) for name in names if name in Role.values)


class Membership(models.Model):
    """A person acting for an organization in one role.

    The organization comes with the enrollment app; the core relies only on its `kind`
    ("provider" or "employer") and its `status` ("approved" opens the portal).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        "enrollment.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.PROVIDER_ADMIN, Role.VACCINATOR, Role.EMPLOYER_ADMIN]),
                name="membership_role_is_organization_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization_id}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a row of the audit trail."""


class AppendOnlyQuerySet(models.QuerySet):
    """The audit trail's querysets: rows are added, never changed or removed."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{capfirst(self.model._meta.verbose_name_plural)} can't be changed.")

    def delete(self):
        raise AppendOnlyError(f"{capfirst(self.model._meta.verbose_name_plural)} can't be deleted.")

    # bulk_update goes through update(); covered above.


class AppendOnlyModel(models.Model):
    """Refuses, through the ORM, to change or delete a saved row. On PostgreSQL triggers refuse
    UPDATE, DELETE and TRUNCATE as well (migrations 0002 and 0005), and the app's database role
    may only INSERT and SELECT (migration 0006)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{capfirst(self._meta.verbose_name_plural)} can't be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{capfirst(self._meta.verbose_name_plural)} can't be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who did what, when and from where. Append-only, and sealed into a hash chain shortly
    after it is written (`AuditSeal`, cvms/auditchain.py)."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Kept beside the actor so that failed logins (no user) still say who was tried.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # The audit log page's order (newest first) and its date range, read backwards; the
            # sealer's recent window too.
            models.Index(fields=["at", "id"], name="cvms_auditevent_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_email or '-'}"

    @property
    def details(self) -> str:
        """The event's data as the audit log shows it, `key: value; key: value`, each value
        written as a template writes it (localized): one string per row rather than a template
        loop over every pair of fifty rows."""
        if not isinstance(self.data, dict):
            return ""
        return "; ".join(f"{key}: {localize(value)}" for key, value in self.data.items())


class AuditSeal(AppendOnlyModel):
    """One link of the hash chain over the audit trail.

    Events are sealed after they are written, in batches, by one sealer at a time
    (`cvms.auditchain.audit_seal`), so that writing an event never waits for a chain-wide lock.
    `chain_hash` is sha256 of the previous seal's hash and the event's canonical form: altering
    or deleting a sealed event, or deleting a seal, breaks the chain (`manage.py audit_verify`).
    """

    # Gapless: the sealer numbers its seals 1, 2, 3, ... under its lock.
    seq = models.PositiveBigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"seal {self.seq} of event {self.event_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxTask(models.Model):
    """Background work promised by a committed change (cvms/outbox.py).

    The row is written in the same transaction as the change; the broker is told after commit.
    If the broker can't be reached then, the row stays undispatched and the periodic sweep
    publishes it later: a broker outage delays work but loses none. Arguments are ids and other
    small values, never personal data.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outboxtask_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"


class OutboundEmail(models.Model):
    """One e-mail to send, rendered when the change that caused it was committed. The worker
    claims it (pending → sending), sends it and marks it sent; a refusal that retrying can't
    cure marks it failed with the server's answer."""

    to = models.JSONField()
    subject = models.CharField(max_length=998)
    text = models.TextField()
    html = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a transient refusal: when to try again.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outboundemail_status")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)} ({self.status})"
