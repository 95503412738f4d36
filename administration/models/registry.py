"""What was sent to the immunization registry and what it answered: each HL7 batch written, each
VXU message in it (the record and the version it carried), and the registry's acknowledgement;
and the CDC CVRS files named, so that each day's files are numbered 01, 02, ...

A message's control id (MSH-10) is `<batch label>-<n>`; the registry's ACK names it in MSA-2, which
is how an acknowledgement finds its message and, through it, its record.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.enums import AckCode


class Hl7Batch(models.Model):
    """One HL7 batch file written (by the command or an export job)."""

    label = models.CharField(max_length=12, unique=True)  # FHS-11/BHS-11, the messages' prefix
    created_at = models.DateTimeField(default=timezone.now)
    messages = models.PositiveIntegerField(default=0)
    marked_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label


class Hl7Message(models.Model):
    """One VXU message: the record at the version it carried, and the registry's answer."""

    batch = models.ForeignKey(Hl7Batch, on_delete=models.CASCADE, related_name="sent")
    control_id = models.CharField(max_length=20)  # unique: a constraint below, without a LIKE index
    # Its index is the composite "hl7message_record" (record, -id), which serves "by record" too.
    record = models.ForeignKey(
        "administration.AdministrationRecord",
        on_delete=models.PROTECT,
        related_name="hl7_messages",
        db_index=False,
    )
    version = models.PositiveIntegerField()
    ack_code = models.CharField(_("registry's answer"), max_length=2, choices=AckCode.choices, blank=True)
    # The registry's ERR segments, one per line, as a person reads them.
    errors = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["record", "-id"], name="hl7message_record")]
        constraints = [
            # As a constraint rather than unique=True, which on PostgreSQL adds a second index for
            # LIKE (varchar_pattern_ops) that no query uses: acknowledgements look ids up by "=".
            models.UniqueConstraint(fields=["control_id"], name="hl7message_control_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.control_id} {self.ack_code or '-'}"


class Hl7Sent(models.Model):
    """A record's sent mark: the version last written to an HL7 batch (`hl7_mark_sent`), which
    batch, and when it was made. A record without one was never sent.

    A narrow table of its own, written by one INSERT ... SELECT per batch, so that marking a
    million records sent adds a million small rows (one index) instead of rewriting a million
    dose records and their many indexes (bench: marking was most of an export's time). The
    export's "due" selection reads it as an anti-join (`selectors.reporting.records_for_hl7`).
    A refused message puts the record back in the queue by lowering `version` to the version
    the registry accepted (`services.registry`), 0 when it holds none.
    """

    # No foreign keys in the database (db_constraint=False): the marks are written only from the
    # batch's Hl7Message rows, in the same transaction, and those rows' own foreign keys check the
    # same record and batch. Checked again here they cost two trigger calls a record (about as
    # much as writing the marks). A record is never deleted; Django still protects it and nulls
    # the batch of a batch deleted.
    record = models.OneToOneField(
        "administration.AdministrationRecord",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="hl7_sent",
        db_constraint=False,
    )
    version = models.PositiveIntegerField()
    batch = models.ForeignKey(
        Hl7Batch, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False, db_constraint=False
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version} {self.sent_at:%Y-%m-%d}"


class CvrsFile(models.Model):
    """A CVRS file named `yyyymmdd_NN_AAA.txt`: its day and its number that day, taken once."""

    reported_on = models.DateField()
    sequence = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    records = models.PositiveIntegerField(default=0)
    extract_type = models.CharField(max_length=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_on", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["reported_on", "sequence"], name="cvrsfile_one_number_per_day"),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1, sequence__lte=99), name="cvrsfile_sequence_01_to_99"
            ),
        ]

    def __str__(self) -> str:
        return self.name
