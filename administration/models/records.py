"""The doses given (or refused) and their adverse events.

A dose record is never deleted: a provider administrator corrects or voids it with a reason, and
`version` counts those changes so that the HL7 export sends a record again when it changed after it
was sent (its `Hl7Sent` row), and the registry's acknowledgements say which version it accepted
or refused (`hl7_accepted_version`, `hl7_rejected_version`; the messages are `Hl7Message`s).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from administration.enums import (
    FundingSource,
    RecordSource,
    RecordStatus,
    RefusalReason,
    Route,
    Severity,
    Site,
    VfcEligibility,
)


class AdministrationRecord(models.Model):
    recipient = models.ForeignKey(
        "recipients.Recipient", on_delete=models.PROTECT, related_name="administration_records"
    )
    # Indexed by "adminrecord_location_at" (location, administered_at), which serves "by location"
    # too: a single-column index beside it was one more index to write with every record.
    location = models.ForeignKey(
        "enrollment.Location", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    appointment = models.OneToOneField(
        "administration.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administration_record",
    )
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_number = models.PositiveSmallIntegerField(_("dose number"), null=True, blank=True)
    administered_at = models.DateTimeField(_("date and time given"))
    route = models.CharField(_("route"), max_length=8, choices=Route.choices, blank=True)
    site = models.CharField(_("site"), max_length=4, choices=Site.choices, blank=True)
    volume_ml = models.DecimalField(
        _("dose volume (mL)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screening_answers = models.JSONField(default=dict, blank=True)
    refused = models.BooleanField(_("vaccine refused"), default=False)
    refusal_reason = models.CharField(max_length=2, choices=RefusalReason.choices, blank=True)
    # Funding, captured per dose at recording (defaults by age and product, see
    # services.recording.funding_defaults); blank when unknown (a paper form doesn't ask).
    vfc_eligibility = models.CharField(
        _("VFC eligibility"), max_length=3, choices=VfcEligibility.choices, blank=True, db_default=""
    )
    funding_source = models.CharField(
        _("funding source"), max_length=5, choices=FundingSource.choices, blank=True, db_default=""
    )
    # The vaccine information statement the person was given: its GS1 barcode (the document and
    # its edition, as scanned from the sheet) and/or its edition date, and the day it was given.
    vis_barcode = models.CharField(_("VIS barcode"), max_length=30, blank=True, db_default="")
    vis_edition = models.DateField(_("VIS edition date"), null=True, blank=True)
    vis_given_on = models.DateField(_("VIS given on"), null=True, blank=True)
    # A dose given elsewhere, recorded from the person's own records (HL7 RXA-9 = 01): no stock
    # moved, the lot may be unknown.
    historical = models.BooleanField(_("historical dose"), default=False, db_default=False)
    # The vaccinator checked the person's identity document: only then does the SMART Health Card
    # claim an identity assurance level.
    identity_checked = models.BooleanField(_("identity document checked"), default=False, db_default=False)
    # The clinical evaluator's verdict when the dose was recorded (administration.clinical): a dose
    # it finds not valid (too early, too young, the wrong volume, out of sequence) is kept only
    # with the vaccinator's documented reason, and the registry files report it as invalid.
    valid = models.BooleanField(_("valid dose"), default=True, db_default=True)
    invalid_findings = models.CharField(
        _("why the dose is not valid"), max_length=200, blank=True, db_default=""
    )
    invalid_reason = models.TextField(
        _("reason for giving a dose that is not valid"), blank=True, db_default=""
    )
    # An allowed exception to "the same product as the first dose", confirmed by the vaccinator.
    product_exception = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=RecordSource.choices, default=RecordSource.ONLINE)
    # Unique by a constraint below: unique=True adds a LIKE index on PostgreSQL that no query uses.
    form_number = models.CharField(_("form number"), max_length=11, null=True, blank=True)  # noqa: DJ001 - NULLs repeat under UNIQUE, "" would not
    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.RECORDED)
    status_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # The registry's view of the record: the version it accepted (ACK AA), and the version it
    # refused (AE/AR), which holds the record out of the next exports until it is corrected or
    # the state sends it again. The version last written to an HL7 file, and when, is its
    # `Hl7Sent` row (`hl7_sent`): marking a batch sent writes that narrow table, not this one.
    hl7_accepted_version = models.PositiveIntegerField(default=0, db_default=0)
    hl7_rejected_version = models.PositiveIntegerField(default=0, db_default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["administered_at", "id"]
        indexes = [
            models.Index(fields=["administered_at"], name="adminrecord_at"),
            models.Index(fields=["location", "administered_at"], name="adminrecord_location_at"),
            # The daily CVRS file takes the records created or changed that day.
            models.Index(fields=["created_at"], name="adminrecord_created"),
            models.Index(fields=["changed_at"], name="adminrecord_changed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["form_number"], name="adminrecord_one_record_per_form_number"),
            # One dose number per person, among the valid doses that stand (refusals, voids and
            # doses found not valid aside: a dose 2 given too early is repeated as dose 2).
            models.UniqueConstraint(
                fields=["recipient", "dose_number"],
                condition=Q(refused=False, valid=True) & ~Q(status=RecordStatus.VOIDED),
                name="adminrecord_one_dose_number_per_person",
            ),
            models.CheckConstraint(
                condition=Q(refused=True, lot__isnull=True, dose_number__isnull=True, historical=False)
                | Q(refused=False, lot__isnull=False, dose_number__gte=1)
                | Q(refused=False, historical=True, dose_number__gte=1),
                name="adminrecord_dose_has_lot_refusal_has_none",
            ),
            models.CheckConstraint(
                condition=Q(valid=True) | ~Q(invalid_reason=""),
                name="adminrecord_invalid_dose_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=RecordStatus.RECORDED) | ~Q(status_reason=""),
                name="adminrecord_change_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(source=RecordSource.ONLINE) | Q(form_number__isnull=False),
                name="adminrecord_paper_has_form_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} dose {self.dose_number or '-'} {self.administered_at:%Y-%m-%d}"

    @property
    def event_id(self) -> str:
        return f"CVMS-{self.pk}"


class AdverseEvent(models.Model):
    record = models.ForeignKey(AdministrationRecord, on_delete=models.PROTECT, related_name="adverse_events")
    onset_at = models.DateTimeField(_("onset"))
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    reported_to_vaers = models.BooleanField(_("reported to VAERS"), default=False)
    vaers_number = models.CharField(_("VAERS number"), max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["onset_at", "id"]
        # The state's list: a range of onsets, newest first.
        indexes = [models.Index(fields=["onset_at", "id"], name="adverseevent_onset")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_to_vaers=False) | ~Q(vaers_number=""), name="adverseevent_vaers_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.get_severity_display()} {self.onset_at:%Y-%m-%d}"
