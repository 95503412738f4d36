"""The helpdesk: teams and routing rules, cases with their notes, files and history, the
knowledge base, requesters' profiles and training sessions."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.enums import OrganizationKind
from helpdesk.enums import CaseAction, Category, Priority, Status


class Team(models.Model):
    """A group of agents with one queue. Exactly one team is the default, which receives the
    cases no routing rule matches (the migration creates it)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default team"), default=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="helpdesk_teams")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="team_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Send the cases of `category` to `team`; a rule may also require a county or an
    organization kind, and the most specific matching rule wins (see selectors.route_team)."""

    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    county = models.ForeignKey(
        "enrollment.County", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization_kind = models.CharField(
        _("organization type"), max_length=16, choices=OrganizationKind.choices, blank=True
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["category", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.team}"

    @property
    def specificity(self) -> int:
        return (2 if self.county_id else 0) + (1 if self.organization_kind else 0)


class RequesterProfile(models.Model):
    """How a requester registered: the code they gave and the provider it names, if a PIN."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_profile"
    )
    registration_code = models.CharField(_("registration code"), max_length=32)
    organization = models.ForeignKey(
        "enrollment.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_requesters",
    )
    # Set at registration (the password was e-mailed); cleared when they choose their own.
    must_change_password = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ({self.registration_code})"


class Case(models.Model):
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="helpdesk_cases"
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    organization = models.ForeignKey(
        "enrollment.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization_name = models.CharField(_("organization concerned"), max_length=200, blank=True)
    location = models.ForeignKey(
        "enrollment.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    county = models.ForeignKey(
        "enrollment.County", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Every change bumps the version; a change made from a stale page is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=Status.RESOLVED) | models.Q(resolved_at__isnull=False),
                name="case_resolved_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def reference(self) -> str:
        return f"#{self.pk}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    # Internal notes are for agents only; the others are shown and mailed to the requester.
    is_internal = models.BooleanField(_("internal (agents only)"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:40]}"


def attachment_path(instance, filename: str) -> str:
    # A random name: the original one is kept in the row, never used as a path.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"helpdesk/attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """One line of a case's history (append-only by convention; the AuditEvent is the record)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=CaseAction.choices)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action}"


class Article(models.Model):
    """A knowledge-base article in one language. Its versions in other languages are articles
    too, each pointing at it (`translation_of`): a reader sees the version in their language, or
    the original, marked as such, when there is none yet (helpdesk.selectors)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="translations",
        limit_choices_to={"translation_of__isnull": True},
        help_text=_("For a version in another language: the article it translates."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_of", "language"], name="article_one_translation_per_language"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    join_info = models.TextField(_("how to join"), help_text=_("A meeting link, a phone number, a room."))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.topic


class TrainingSignup(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed by the reminder task before it sends, so a retried run never mails twice.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="trainingsignup_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.session_id}"
