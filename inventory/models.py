"""Vaccine products and lots, what the state allocates and ships, and the stock ledger.

Doses are counted like money: `StockMovement` is the append-only ledger, and `Stock` holds the
running balance of one lot at one location. Every movement is written by `inventory.services`
in the transaction that locks the `Stock` row and updates it, so the balance always equals the
sum of the ledger; the database refuses a negative balance.

Over 450 lines: one module for now because the allocation plans and redistribution (issue 15)
arrived while other branches were changing this file; the next change should split it into a
`models/` package (catalogue and ledger; allocations and plans; shipments, transfers and
redistribution), as administration's is.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.enums import (
    AllocationStatus,
    MovementKind,
    OfferStatus,
    PlanStatus,
    RedistributionStatus,
    ShipmentStatus,
    StorageClass,
    SurplusStatus,
    TransferStatus,
    WasteReason,
)


class Product(models.Model):
    """One vaccine presentation, identified by the NDC of its unit of use (a vial or a syringe)."""

    name = models.CharField(_("product name"), max_length=200)
    cvx = models.CharField(_("CVX code"), max_length=4)
    cvx_description = models.CharField(_("CVX description"), max_length=300, blank=True)
    mvx = models.CharField(_("MVX code"), max_length=4, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    ndc = models.CharField(_("NDC (unit of use)"), max_length=13, unique=True)
    ndc_unit_of_sale = models.CharField(_("NDC (unit of sale)"), max_length=100, blank=True)
    presentation = models.CharField(_("presentation"), max_length=200, blank=True)
    doses_per_vial = models.PositiveSmallIntegerField(_("doses per vial"), null=True, blank=True)
    dose_volume_ml = models.DecimalField(
        _("dose volume (mL)"), max_digits=5, decimal_places=3, null=True, blank=True
    )
    storage_class = models.CharField(
        _("storage class"), max_length=16, choices=StorageClass.choices, default=StorageClass.REFRIGERATED
    )
    storage_temperature = models.TextField(_("storage temperature range"), blank=True)
    beyond_use_after_thaw = models.TextField(_("beyond-use time after thaw"), blank=True)
    beyond_use_after_puncture = models.TextField(_("beyond-use time after puncture or dilution"), blank=True)
    series_doses = models.PositiveSmallIntegerField(_("doses in the series"), default=1)
    min_interval_days = models.PositiveSmallIntegerField(
        _("minimum interval between doses (days)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_active", "name", "ndc"]
        constraints = [
            models.CheckConstraint(condition=Q(series_doses__gte=1), name="product_series_at_least_one"),
            models.CheckConstraint(
                condition=Q(doses_per_vial__isnull=True) | Q(doses_per_vial__gte=1),
                name="product_doses_per_vial_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.label(self.name, self.ndc)

    @staticmethod
    def label(name: str, ndc: str) -> str:
        """How a product is named in lists and choices (also from rows read without instances)."""
        return f"{name} (NDC {ndc})"


class SeriesRule(models.Model):
    """How a product's doses make a series: the table the clinical evaluator reads
    (`administration.clinical`). Loaded from inventory/data/series_rules.csv, edited by operators in
    the admin. A product without a row is read from its own `series_doses` and
    `min_interval_days` (no age limits, no booster)."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="series_rule")
    vaccine = models.CharField(
        _("vaccine against"),
        max_length=40,
        default="COVID-19",
        help_text=_("Doses against other diseases are a series apart."),
    )
    primary_doses = models.PositiveSmallIntegerField(_("doses in the primary series"), default=1)
    min_interval_days = models.PositiveSmallIntegerField(
        _("minimum interval between primary doses (days)"), null=True, blank=True
    )
    recommended_interval_days = models.PositiveSmallIntegerField(
        _("recommended interval between primary doses (days)"), null=True, blank=True
    )
    min_age_months = models.PositiveSmallIntegerField(_("minimum age (months)"), null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField(
        _("maximum age (months)"), null=True, blank=True, help_text=_("The person must be younger than this.")
    )
    dose_volume_ml = models.DecimalField(
        _("dose volume (mL)"), max_digits=5, decimal_places=3, null=True, blank=True
    )
    completes = models.ManyToManyField(
        Product,
        blank=True,
        related_name="+",
        verbose_name=_("may complete a series started with"),
        help_text=_("Products of another CVX code whose series a dose of this product may complete."),
    )
    booster_interval_days = models.PositiveSmallIntegerField(
        _("booster after the primary series (days)"),
        null=True,
        blank=True,
        help_text=_("Blank: no booster."),
    )
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"), default=4)
    notes = models.TextField(_("source and notes"), blank=True)

    class Meta:
        ordering = ["product__name", "product__ndc"]
        constraints = [
            models.CheckConstraint(condition=Q(primary_doses__gte=1), name="seriesrule_primary_at_least_one"),
            models.CheckConstraint(
                condition=Q(recommended_interval_days__isnull=True)
                | Q(min_interval_days__isnull=True)
                | Q(recommended_interval_days__gte=models.F("min_interval_days")),
                name="seriesrule_recommended_not_before_minimum",
            ),
            models.CheckConstraint(
                condition=Q(max_age_months__isnull=True)
                | Q(min_age_months__isnull=True)
                | Q(max_age_months__gt=models.F("min_age_months")),
                name="seriesrule_max_age_above_min_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} (NDC {self.product.ndc}): {self.primary_doses}"


class Lot(models.Model):
    """A manufacturer's lot. A lot number belongs to one product: it is known once."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(_("lot number"), max_length=30)
    expires_on = models.DateField(_("expiry date"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_on", "number"]
        constraints = [
            # Case-insensitive: "ab123" and "AB123" are the same lot on a vial's label.
            models.UniqueConstraint(Upper("number"), name="lot_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.product.name}, exp. {self.expires_on:%Y-%m-%d})"

    def is_expired(self, on: date | None = None) -> bool:
        """A lot may be used through its expiry date, not after it."""
        return self.expires_on < (on or timezone.localdate())


class Stock(models.Model):
    """The balance of one lot at one location: the sum of its ledger, kept in step by the
    services (under a row lock) so that reading stock on hand never sums the ledger."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="stocks")
    on_hand = models.IntegerField(default=0)

    class Meta:
        ordering = ["location_id", "lot__expires_on", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "lot"], name="stock_location_lot_unique"),
            # The last guard: no code path can take a balance below zero.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.lot_id}: {self.on_hand}"


# Which sign each kind of movement has (ADMINISTERED is negative, or positive for a voided dose
# returned to stock; ADJUSTED goes either way).
NEGATIVE_KINDS = [MovementKind.WASTED, MovementKind.EXPIRED, MovementKind.TRANSFERRED_OUT]
POSITIVE_KINDS = [MovementKind.RECEIVED, MovementKind.TRANSFERRED_IN]


class StockMovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyLedgerError("Stock movements can't be changed.")

    def delete(self):
        raise AppendOnlyLedgerError("Stock movements can't be deleted.")


class AppendOnlyLedgerError(Exception):
    """Raised on any attempt to change or remove a stock movement."""


class StockMovement(models.Model):
    """One line of the ledger. Append-only (the ORM refuses updates and deletes, and so does a
    PostgreSQL trigger): a mistake is corrected by a new movement, never by editing one."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("doses"), help_text=_("Positive into stock, negative out of it."))
    reason = models.CharField(_("reason"), max_length=32, choices=WasteReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # What caused it, for the caller's own records (e.g. "administration.record:42").
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipment = models.ForeignKey(
        "Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    transfer = models.ForeignKey(
        "Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    report = models.ForeignKey(
        "InventoryReport", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["location", "at"], name="movement_location_at"),
            models.Index(fields=["location", "kind", "at"], name="movement_location_kind_at"),
            models.Index(fields=["location", "lot"], name="movement_location_lot"),
            # The wastage pages read wasted and expired doses by time across the state: a small
            # index of those lines alone, instead of a scan of every dose given.
            models.Index(
                fields=["at"],
                condition=Q(kind__in=[MovementKind.WASTED, MovementKind.EXPIRED]),
                name="movement_wastage_at",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=NEGATIVE_KINDS) | Q(quantity__lt=0), name="movement_out_is_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=POSITIVE_KINDS) | Q(quantity__gt=0), name="movement_in_is_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind} {self.quantity:+d} lot {self.lot_id} at {self.location_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyLedgerError("Stock movements can't be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyLedgerError("Stock movements can't be deleted.")

    @property
    def kind_label(self) -> str:
        """What the ledger page calls the movement. A voided dose record puts its dose back as a
        positive `administered` movement (so that throughput nets it): it reads as a return,
        not as "Administered +1"."""
        if self.kind == MovementKind.ADMINISTERED and self.quantity > 0:
            return _("Returned: dose record voided")
        return self.get_kind_display()


class Allocation(models.Model):
    """Doses of a product the state sends a location for a week (the Monday that starts it).

    Until its shipment leaves, the state may change the doses or cancel it, with a reason
    (`inventory.services.allocations`); a cancelled allocation no longer holds its week."""

    week = models.DateField(_("week starting"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="allocations")
    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    doses = models.PositiveIntegerField(_("doses"))
    status = models.CharField(
        _("status"), max_length=16, choices=AllocationStatus.choices, default=AllocationStatus.ACTIVE
    )
    # The plan it came from, when it was accepted from a published allocation plan.
    plan = models.ForeignKey(
        "AllocationPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    change_reason = models.TextField(_("reason for the last change"), blank=True)

    class Meta:
        ordering = ["-week", "location_id", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "product", "location"],
                condition=Q(status=AllocationStatus.ACTIVE),
                name="allocation_once_per_week",
            ),
            models.CheckConstraint(condition=Q(doses__gt=0), name="allocation_doses_positive"),
            models.CheckConstraint(
                condition=Q(status=AllocationStatus.ACTIVE) | ~Q(change_reason=""),
                name="allocation_cancelled_has_reason",
            ),
        ]
        # The state's list, newest week first: with it the database reads the latest weeks and
        # sorts only those by location and product, instead of sorting every allocation ever made.
        indexes = [models.Index(fields=["week"], name="allocation_week")]

    def __str__(self) -> str:
        return f"{self.week}: {self.doses} × {self.product_id} → {self.location_id}"


class Shipment(models.Model):
    """Doses on their way to a location (from an allocation), or received from elsewhere."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="shipments")
    allocation = models.OneToOneField(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="shipment"
    )
    source = models.CharField(_("from"), max_length=200, blank=True)
    doses_expected = models.PositiveIntegerField(_("doses expected"), default=0)
    status = models.CharField(max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.EXPECTED)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    doses_received = models.PositiveIntegerField(_("doses received in good condition"), null=True, blank=True)
    doses_damaged = models.PositiveIntegerField(_("doses damaged"), default=0)
    temperature_excursion = models.BooleanField(_("temperature excursion in transit"), default=False)
    condition_notes = models.TextField(_("condition notes"), blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "status"], name="shipment_location_status")]

    def __str__(self) -> str:
        return f"Shipment {self.pk} → {self.location_id} ({self.status})"


class Transfer(models.Model):
    """Doses of a lot moved from one location to another. Between organizations it waits for
    the state's approval; within one organization it happens at once."""

    from_location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="transfers")
    doses = models.PositiveIntegerField(_("doses"))
    status = models.CharField(max_length=20, choices=TransferStatus.choices)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(doses__gt=0), name="transfer_doses_positive"),
            models.CheckConstraint(
                condition=~Q(from_location=models.F("to_location")), name="transfer_between_two_locations"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.pk}: {self.doses} of lot {self.lot_id}"


class InventoryReport(models.Model):
    """The online "Inventory Levels" form: a count of every lot at a location on a day."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    counted_on = models.DateField(_("counted on"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-counted_on", "-id"]

    def __str__(self) -> str:
        return f"Inventory levels at {self.location_id} on {self.counted_on}"


class InventoryReportLine(models.Model):
    """One lot on the form: what the ledger said, what was counted and what was wasted."""

    report = models.ForeignKey(InventoryReport, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    ledger_on_hand = models.IntegerField(_("on hand by the ledger"))
    counted = models.IntegerField(_("doses on hand (counted)"))
    wasted = models.IntegerField(_("doses wasted"), default=0)
    waste_reason = models.CharField(_("reason"), max_length=32, choices=WasteReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["report_id", "lot__expires_on", "lot_id"]
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="report_line_counted_not_negative"),
            models.CheckConstraint(condition=Q(wasted__gte=0), name="report_line_wasted_not_negative"),
            models.UniqueConstraint(fields=["report", "lot"], name="report_line_once_per_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.lot_id}: counted {self.counted}"

    @property
    def adjustment(self) -> int:
        """Doses unaccounted for: the count against the ledger after the waste reported."""
        return self.counted - (self.ledger_on_hand - self.wasted)


class ExpiryWarning(models.Model):
    """That a location's administrators were warned of a lot about to expire (sent once)."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "lot"], name="expiry_warning_once")]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.lot_id} warned {self.sent_at:%Y-%m-%d}"


class AllocationPlan(models.Model):
    """A week's supply of a product, shared out among the enrolled locations: proposed by the
    system line by line (`inventory.proposals`), adjusted by an official, published as offers
    that each location accepts in full, in part or not at all by `respond_by`."""

    week = models.DateField(_("week starting"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plans")
    supply = models.PositiveIntegerField(_("doses to allocate"))
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    respond_by = models.DateTimeField(_("locations answer by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(supply__gt=0), name="plan_supply_positive"),
            models.CheckConstraint(
                condition=Q(status=PlanStatus.DRAFT) | Q(respond_by__isnull=False),
                name="plan_published_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk}: {self.supply} × {self.product_id}, week of {self.week}"


class AllocationPlanLine(models.Model):
    """One location's share of a plan in one round (round 1 is the plan; each reallocation of
    declined doses adds a round), with the figures that explain the proposal."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    # The explanation, as computed when proposed.
    waiting = models.DecimalField(_("people waiting nearby"), max_digits=12, decimal_places=2, default=0)
    svi = models.DecimalField(_("county SVI"), max_digits=5, decimal_places=4, null=True, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=14, decimal_places=4, default=0)
    storage_room = models.IntegerField(_("storage room (doses)"), default=0)
    throughput = models.IntegerField(_("weekly throughput (doses)"), default=0)
    throughput_declared = models.BooleanField(default=False)
    on_hand = models.IntegerField(_("on hand and expected (doses)"), default=0)
    cap = models.IntegerField(_("cap (doses)"), default=0)
    proposed = models.IntegerField(_("proposed (doses)"), default=0)
    # What the official offers (the proposal, adjusted), and what the location took.
    doses = models.PositiveIntegerField(_("doses offered"), default=0)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PROPOSED)
    doses_accepted = models.PositiveIntegerField(_("doses accepted"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    allocation = models.ForeignKey(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_lines"
    )

    class Meta:
        ordering = ["plan_id", "round", "-weight", "location_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "location", "round"], name="plan_line_once_per_round"),
            models.CheckConstraint(
                condition=Q(doses_accepted__isnull=True) | Q(doses_accepted__lte=models.F("doses")),
                name="plan_line_accepts_at_most_the_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} round {self.round}: {self.doses} → {self.location_id}"

    @property
    def doses_declined(self) -> int:
        if self.doses_accepted is None:
            return 0
        return self.doses - self.doses_accepted


class SurplusPosting(models.Model):
    """Doses of a lot a location can't use before they expire, posted for others to request."""

    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="postings")
    doses = models.PositiveIntegerField(_("doses offered"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(max_length=16, choices=SurplusStatus.choices, default=SurplusStatus.OPEN)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lot__expires_on", "-posted_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(doses__gt=0), name="surplus_doses_positive")]

    def __str__(self) -> str:
        return f"Surplus {self.pk}: {self.doses} of lot {self.lot_id} at {self.location_id}"


class RedistributionRequest(models.Model):
    """A location asks for doses of a posting; the state approves (the doses move, through both
    ledgers, as a completed `Transfer`) or refuses (nothing moves)."""

    posting = models.ForeignKey(SurplusPosting, on_delete=models.PROTECT, related_name="requests")
    location = models.ForeignKey("enrollment.Location", on_delete=models.PROTECT, related_name="+")
    doses = models.PositiveIntegerField(_("doses requested"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        max_length=20, choices=RedistributionStatus.choices, default=RedistributionStatus.AWAITING_APPROVAL
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="redistribution"
    )

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(doses__gt=0), name="redistribution_doses_positive"),
            models.CheckConstraint(
                condition=~Q(status=RedistributionStatus.APPROVED) | Q(transfer__isnull=False),
                name="redistribution_approved_has_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.doses} of surplus {self.posting_id} → {self.location_id}"
