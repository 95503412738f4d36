"""Reads of inventory, reused by the views and by the apps above (administration, recipients).

Stock on hand is read from `Stock` rows (one per location and lot, kept equal to the sum of the
ledger by `inventory.services`), so its cost doesn't grow with the ledger. Where a page compares
the balance with the ledger, the sum is done by PostgreSQL (`ledger_total`), never in Python.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from cvms.hooks import contributions
from enrollment.enums import OrganizationKind, OrganizationStatus
from enrollment.models import Location, Organization
from inventory.enums import SHIPMENT_IN_FLIGHT, MovementKind, StorageClass, TransferStatus, WasteReason
from inventory.models import Allocation, Lot, Product, Shipment, Stock, StockMovement, Transfer

# Lots expiring within this many days are highlighted on the stock pages.
EXPIRING_SOON_DAYS = 14


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _day_start(day: date) -> datetime:
    """Midnight starting `day` in the project's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Products and lots -------------------------------------------------------------------------


def products_active() -> QuerySet[Product]:
    """The products the state currently allocates and providers may record."""
    return Product.objects.filter(is_active=True)


def lot_find(*, number: str) -> Lot | None:
    """The lot with this number (case-insensitive), or None."""
    return Lot.objects.select_related("product").filter(number__iexact=number.strip()).first()


# --- Stock on hand -----------------------------------------------------------------------------


def stock_on_hand(*, location: Location, product: Product | None = None, lot: Lot | None = None) -> int:
    """Doses physically on hand at `location` by the ledger (expired lots included until they
    are written off), optionally for one product or one lot. One query."""
    stocks = Stock.objects.filter(location=location)
    if product is not None:
        stocks = stocks.filter(lot__product=product)
    if lot is not None:
        stocks = stocks.filter(lot=lot)
    return stocks.aggregate(total=Coalesce(Sum("on_hand"), 0))["total"]


def stock_usable(*, location: Location, product: Product | None = None, on: date | None = None) -> int:
    """Doses on hand at `location` in lots not expired on `on` (default today): what can still be
    given. One query."""
    stocks = Stock.objects.filter(location=location, lot__expires_on__gte=_today(on))
    if product is not None:
        stocks = stocks.filter(lot__product=product)
    return stocks.aggregate(total=Coalesce(Sum("on_hand"), 0))["total"]


def lots_usable(*, location: Location, product: Product, on: date | None = None) -> QuerySet[Stock]:
    """The stock rows of `product` at `location` that can be given on `on`, first-expiring
    first (the lot a vaccinator should pick)."""
    return (
        Stock.objects.filter(location=location, lot__product=product, lot__expires_on__gte=_today(on))
        .filter(on_hand__gt=0)
        .select_related("lot", "lot__product")
        .order_by("lot__expires_on", "lot_id")
    )


def doses_expected(*, location: Location, product: Product | None = None) -> int:
    """Doses allocated or shipped to `location` and not yet received (shipments expected or on
    their way).
    Transfers awaiting the state's approval are not counted: they may be refused."""
    shipments = Shipment.objects.filter(location=location, status__in=SHIPMENT_IN_FLIGHT)
    if product is not None:
        shipments = shipments.filter(product=product)
    return shipments.aggregate(total=Coalesce(Sum("doses_expected"), 0))["total"]


def _ledger_total_subquery():
    """The sum of the ledger for the outer query's (location, lot), computed by the database."""
    return Coalesce(
        Subquery(
            StockMovement.objects.filter(location_id=OuterRef("location_id"), lot_id=OuterRef("lot_id"))
            .order_by()
            .values("location_id", "lot_id")
            .annotate(total=Sum("quantity"))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def stock_levels(
    *,
    organization: Organization | None = None,
    location: Location | None = None,
    product: Product | None = None,
    county_id: str | None = None,
    lot_number: str = "",
    include_empty: bool = False,
    with_ledger: bool = False,
    on: date | None = None,
) -> QuerySet[Stock]:
    """Stock rows with their lot, product and location, each annotated with `is_expired` and
    `expires_soon` (within 14 days), and with `with_ledger` also `ledger_total` (the sum of its
    ledger, by the database, for a page that shows the two side by side). The balance itself is
    the counter the ledger keeps (`Stock.on_hand`): the state's pages never sum the ledger, whose
    cost grows with every dose given."""
    today = _today(on)
    stocks = Stock.objects.select_related("lot__product", "location__county", "location__organization")
    if organization is not None:
        stocks = stocks.filter(location__organization=organization)
    if location is not None:
        stocks = stocks.filter(location=location)
    if product is not None:
        stocks = stocks.filter(lot__product=product)
    if county_id:
        stocks = stocks.filter(location__county_id=county_id)
    if lot_number:
        stocks = stocks.filter(lot__number__iexact=lot_number.strip())
    if not include_empty:
        stocks = stocks.filter(on_hand__gt=0)
    if with_ledger:
        stocks = stocks.annotate(ledger_total=_ledger_total_subquery())
    return stocks.annotate(
        is_expired=Q(lot__expires_on__lt=today),
        expires_soon=Q(
            lot__expires_on__gte=today, lot__expires_on__lte=today + timedelta(EXPIRING_SOON_DAYS)
        ),
    ).order_by("location__name", "location_id", "lot__product__name", "lot__expires_on", "lot_id")


def stock_level_rows(*, product: Product | None = None, county_id: str | None = None, lot_number: str = ""):
    """The state's list of `stock_levels` as plain rows of only the columns it shows (location,
    organization, county, product, lot, expiry, on hand, the two expiry flags), in the same order:
    fifty rows as instances of six joined models cost more CPU than their query (issue 18)."""
    return stock_levels(product=product, county_id=county_id, lot_number=lot_number).values(
        "on_hand",
        "lot_id",
        "is_expired",
        "expires_soon",
        location_name=F("location__name"),
        organization_name=F("location__organization__name"),
        county_name=F("location__county__name"),
        product_name=F("lot__product__name"),
        lot_number=F("lot__number"),
        expires_on=F("lot__expires_on"),
    )


def stock_totals(*, organization: Organization | None = None, county_id: str | None = None) -> list[dict]:
    """Doses on hand per product (and per county when `county_id` is None) in one query."""
    stocks = Stock.objects.filter(on_hand__gt=0)
    if organization is not None:
        stocks = stocks.filter(location__organization=organization)
    if county_id:
        stocks = stocks.filter(location__county_id=county_id)
    return list(
        stocks.values("lot__product__name", "location__county__name")
        .annotate(doses=Sum("on_hand"))
        .order_by("location__county__name", "lot__product__name")
    )


def ledger_total(*, location: Location, lot: Lot | None = None) -> int:
    """The sum of the ledger at `location` (optionally for one lot), by the database."""
    movements = StockMovement.objects.filter(location=location)
    if lot is not None:
        movements = movements.filter(lot=lot)
    return movements.aggregate(total=Coalesce(Sum("quantity"), 0))["total"]


# --- The ledger --------------------------------------------------------------------------------


def ledger(
    *,
    location: Location,
    kind: str = "",
    lot: Lot | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[StockMovement]:
    """The movements of `location`, newest first, optionally filtered."""
    movements = StockMovement.objects.filter(location=location).select_related("lot__product", "by")
    if kind:
        movements = movements.filter(kind=kind)
    if lot is not None:
        movements = movements.filter(lot=lot)
    if since is not None:
        movements = movements.filter(at__date__gte=since)
    if until is not None:
        movements = movements.filter(at__date__lte=until)
    return movements.order_by("-at", "-id")


# --- Allocation planning -----------------------------------------------------------------------

CAPACITY_FIELDS = {
    StorageClass.ULTRA_COLD: "ultra_cold_capacity",
    StorageClass.FROZEN: "frozen_capacity",
    StorageClass.REFRIGERATED: "refrigerated_capacity",
}


def storage_capacity(*, location: Location, storage_class: str) -> int:
    """How many doses of this storage class the location can hold (from its enrollment)."""
    return getattr(location, CAPACITY_FIELDS[StorageClass(storage_class)])


def storage_committed(*, location: Location, storage_class: str) -> int:
    """Doses of a storage class on hand or on their way to `location`: what its fridges or
    freezers must hold once the expected shipments arrive. Two queries."""
    on_hand = Stock.objects.filter(location=location, lot__product__storage_class=storage_class).aggregate(
        total=Coalesce(Sum("on_hand"), 0)
    )["total"]
    expected = Shipment.objects.filter(
        location=location, status__in=SHIPMENT_IN_FLIGHT, product__storage_class=storage_class
    ).aggregate(total=Coalesce(Sum("doses_expected"), 0))["total"]
    return on_hand + expected


def throughput(*, location: Location, product: Product, weeks: int = 4, on: date | None = None) -> list[dict]:
    """Doses of `product` administered at `location` in each of the last `weeks` full weeks,
    oldest first ({"week": Monday, "doses": n}); voided doses are netted out. One query."""
    this_monday = _today(on) - timedelta(days=_today(on).weekday())
    start = this_monday - timedelta(weeks=weeks)
    rows = (
        StockMovement.objects.filter(
            location=location,
            lot__product=product,
            kind=MovementKind.ADMINISTERED,
            at__date__gte=start,
            at__date__lt=this_monday,
        )
        .annotate(week=TruncWeek("at"))
        .values("week")
        .annotate(doses=-Sum("quantity"))
        .order_by("week")
    )
    by_week = {
        row["week"].date() if hasattr(row["week"], "date") else row["week"]: row["doses"] for row in rows
    }
    return [
        {"week": start + timedelta(weeks=n), "doses": by_week.get(start + timedelta(weeks=n), 0)}
        for n in range(weeks)
    ]


def booked_appointments_ahead(*, location: Location, product: Product, on: date | None = None) -> int:
    """Appointments booked at `location` for `product` from `on` (default today) onwards.

    The booking app (administration) knows them and sits above inventory: it contributes the
    count through the `booked_appointments` hook point (cvms/hooks.py); with no booking app
    installed, none are booked."""
    since = _today(on)
    return sum(
        count(location=location, product=product, since=since)
        for count in contributions("booked_appointments")
    )


def allocation_planning(*, location: Location, product: Product, on: date | None = None) -> dict:
    """What the allocation form shows for one location and product."""
    capacity = storage_capacity(location=location, storage_class=product.storage_class)
    committed = storage_committed(location=location, storage_class=product.storage_class)
    return {
        "location": location,
        "product": product,
        "capacity": capacity,
        "committed": committed,
        "room": max(capacity - committed, 0),
        "on_hand": stock_on_hand(location=location, product=product),
        "expected": doses_expected(location=location, product=product),
        "throughput": throughput(location=location, product=product, on=on),
        "booked_ahead": booked_appointments_ahead(location=location, product=product, on=on),
    }


def allocations(*, week: date | None = None) -> QuerySet[Allocation]:
    found = Allocation.objects.select_related(
        "product", "location__organization", "location__county", "shipment"
    )
    if week is not None:
        found = found.filter(week=week)
    return found.order_by("-week", "location__name", "product__name", "id")


def locations_allocatable() -> QuerySet[Location]:
    """Active locations of approved providers: where the state may send vaccine."""
    return Location.objects.filter(
        is_active=True,
        organization__kind=OrganizationKind.PROVIDER,
        organization__status=OrganizationStatus.APPROVED,
    ).select_related("organization", "county")


# --- Shipments and transfers -------------------------------------------------------------------


def shipments_for(*, locations: QuerySet[Location]) -> QuerySet[Shipment]:
    return Shipment.objects.filter(location__in=locations).select_related(
        "location", "product", "lot", "received_by"
    )


def transfers_for(*, locations: QuerySet[Location]) -> QuerySet[Transfer]:
    """Transfers out of or into these locations."""
    return (
        Transfer.objects.filter(Q(from_location__in=locations) | Q(to_location__in=locations))
        .select_related("from_location__organization", "to_location__organization", "lot__product")
        .order_by("-requested_at", "-id")
    )


def transfers_awaiting_approval() -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(status=TransferStatus.AWAITING_APPROVAL)
        .select_related("from_location__organization", "to_location__organization", "lot__product")
        .order_by("requested_at", "id")
    )


# --- Wastage -----------------------------------------------------------------------------------


def wastage_by_reason(
    *,
    locations: QuerySet[Location] | None = None,
    location: Location | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict]:
    """Doses wasted or expired per month and reason ({"month", "reason", "doses"}), one query.
    An expiry write-off without a reason counts as "expired"."""
    movements = StockMovement.objects.filter(kind__in=[MovementKind.WASTED, MovementKind.EXPIRED])
    if locations is not None:
        movements = movements.filter(location__in=locations)
    if location is not None:
        movements = movements.filter(location=location)
    # A range of instants, not `at__date` (which converts every row's time zone and so can't use
    # the index of wastage by time, `movement_wastage_at`).
    if since is not None:
        movements = movements.filter(at__gte=_day_start(since))
    if until is not None:
        movements = movements.filter(at__lt=_day_start(until + timedelta(days=1)))
    rows = (
        movements.annotate(month=TruncMonth("at"))
        .values("month", "kind", "reason")
        .annotate(doses=-Sum("quantity"))
        .order_by("month", "reason")
    )
    merged: dict[tuple, int] = {}
    for row in rows:
        reason = row["reason"] or (
            WasteReason.EXPIRED if row["kind"] == MovementKind.EXPIRED else WasteReason.OTHER
        )
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        merged[(month, reason)] = merged.get((month, reason), 0) + row["doses"]
    return [
        {"month": month, "reason": WasteReason(reason), "doses": doses}
        for (month, reason), doses in sorted(merged.items())
    ]


def wasted_movements(*, location: Location, since: date, until: date) -> QuerySet[StockMovement]:
    """The wasted and expired movements of a location in a period (the printable report)."""
    return (
        StockMovement.objects.filter(
            location=location,
            kind__in=[MovementKind.WASTED, MovementKind.EXPIRED],
            at__date__gte=since,
            at__date__lte=until,
        )
        .select_related("lot__product", "by")
        .annotate(doses=-F("quantity"))
        .order_by("at", "id")
    )
