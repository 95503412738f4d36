"""The registry files and printed forms: the paper form numbers issued, and the files made in the
background (`ExportJob`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from administration.enums import ExportKind, ExportStatus


class OfflineForm(models.Model):
    """A printed form number: issued to one organization's location, used by one record at most."""

    number = models.CharField(max_length=11, unique=True)
    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("administration.Clinic", null=True, blank=True, on_delete=models.PROTECT)
    recipient = models.ForeignKey(
        "recipients.Recipient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.number


class ExportJob(models.Model):
    """A file made in the background (a registry export, a batch of printed forms): its progress,
    then the file, kept privately until `expires_at` and served only to whom may see it (state
    officials for registry exports, the organization for its forms)."""

    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    organization = models.ForeignKey(
        "enrollment.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(
        "enrollment.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    clinic = models.ForeignKey(
        "administration.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, max_length=200)
    file_name = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    # What the file couldn't carry as recorded (values left empty, records left out), shown with it.
    notes = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker took it (or the sweep published it again), and how many times the sweep
    # handed it to a new worker: a job claimed longer ago than the hard time limit allows lost
    # its worker (administration.services.files.jobs_sweep).
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[ExportKind.CVRS, ExportKind.HL7], organization__isnull=True)
                | Q(organization__isnull=False) & ~Q(kind__in=[ExportKind.CVRS, ExportKind.HL7]),
                name="exportjob_registry_exports_are_the_states",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def is_available(self) -> bool:
        return (
            self.status == ExportStatus.DONE
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )
