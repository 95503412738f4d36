"""Reads of the allocation planning (selectors): what is known of every candidate location when
a proposal is made, gathered in a fixed number of aggregate queries whatever the number of
locations, and the plans and offers the pages show. The arithmetic is `inventory.proposals`."""

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from cvms.hooks import contributions
from enrollment.models import Location
from inventory.enums import (
    SHIPMENT_IN_FLIGHT,
    AllocationStatus,
    MovementKind,
    OfferStatus,
)
from inventory.models import (
    Allocation,
    AllocationPlan,
    AllocationPlanLine,
    Product,
    Shipment,
    Stock,
    StockMovement,
)
from inventory.proposals import Candidate
from inventory.selectors import CAPACITY_FIELDS, locations_allocatable

THROUGHPUT_WEEKS = 4


def people_waiting() -> list[tuple[str, str, int]]:
    """(county, ZIP, people) waiting for vaccine: the booking app (above inventory) knows them
    and contributes them through the `people_waiting` hook point; with none installed, none."""
    return [row for answer in contributions("people_waiting") for row in answer()]


def _by_location(rows, key: str = "location_id", value: str = "doses") -> dict[int, int]:
    return {row[key]: row[value] or 0 for row in rows}


def best_weeks(*, product: Product, locations: QuerySet[Location], on: date) -> dict[int, int]:
    """Each location's most doses of `product` administered in one of the last four full weeks
    (voided doses netted out). One query."""
    this_monday = on - timedelta(days=on.weekday())
    rows = (
        StockMovement.objects.filter(
            location__in=locations,
            lot__product=product,
            kind=MovementKind.ADMINISTERED,
            at__date__gte=this_monday - timedelta(weeks=THROUGHPUT_WEEKS),
            at__date__lt=this_monday,
        )
        .annotate(week=TruncWeek("at"))
        .values("location_id", "week")
        .annotate(doses=-Sum("quantity"))
        .order_by()
    )
    best: dict[int, int] = {}
    for row in rows:
        best[row["location_id"]] = max(best.get(row["location_id"], 0), row["doses"])
    return best


def plan_candidates(
    *, product: Product, locations: QuerySet[Location] | None = None, on: date | None = None
) -> list[Candidate]:
    """The figures of every allocatable location (or of `locations`) for `product`: storage
    room in its storage class, demonstrated throughput, doses on hand (usable) and expected.
    Five queries, whatever the number of locations."""
    today = on or timezone.localdate()
    storage_class = product.storage_class
    locations = (locations if locations is not None else locations_allocatable()).select_related("county")
    located = list(locations.order_by("id"))
    ids = [location.pk for location in located]
    stored = _by_location(
        Stock.objects.filter(location_id__in=ids, lot__product__storage_class=storage_class)
        .values("location_id")
        .annotate(doses=Sum("on_hand"))
        .order_by()
    )
    in_flight = Shipment.objects.filter(location_id__in=ids, status__in=SHIPMENT_IN_FLIGHT)
    expected_class = _by_location(
        in_flight.filter(product__storage_class=storage_class)
        .values("location_id")
        .annotate(doses=Sum("doses_expected"))
        .order_by()
    )
    expected_product = _by_location(
        in_flight.filter(product=product)
        .values("location_id")
        .annotate(doses=Sum("doses_expected"))
        .order_by()
    )
    usable = _by_location(
        Stock.objects.filter(location_id__in=ids, lot__product=product, lot__expires_on__gte=today)
        .values("location_id")
        .annotate(doses=Sum("on_hand"))
        .order_by()
    )
    best = best_weeks(product=product, locations=Location.objects.filter(pk__in=ids), on=today)
    capacity_field = CAPACITY_FIELDS[storage_class]
    candidates = []
    for location in located:
        pk = location.pk
        recorded = best.get(pk, 0)
        candidates.append(
            Candidate(
                location_id=pk,
                county_id=location.county_id,
                zip_code=location.zip_code or "",
                svi=location.county.svi_overall,
                storage_room=getattr(location, capacity_field)
                - stored.get(pk, 0)
                - expected_class.get(pk, 0),
                throughput=recorded if recorded > 0 else location.weekly_throughput,
                throughput_declared=recorded <= 0,
                on_hand=usable.get(pk, 0) + expected_product.get(pk, 0),
            )
        )
    return candidates


# --- Plans and offers, for the pages -----------------------------------------------------------


def plans() -> QuerySet[AllocationPlan]:
    return AllocationPlan.objects.select_related("product").annotate(
        offered=Coalesce(Sum("lines__doses", filter=Q(lines__status=OfferStatus.OFFERED)), 0),
        awaiting=Count("lines", filter=Q(lines__status=OfferStatus.OFFERED)),
    )


def plan_allocated(*, plan: AllocationPlan) -> int:
    """Doses of the plan allocated (accepted, not cancelled)."""
    return Allocation.objects.filter(plan=plan, status=AllocationStatus.ACTIVE).aggregate(
        total=Coalesce(Sum("doses"), 0)
    )["total"]


def plan_offered(*, plan: AllocationPlan) -> int:
    """Doses of the plan offered and still awaiting an answer."""
    return plan.lines.filter(status=OfferStatus.OFFERED).aggregate(total=Coalesce(Sum("doses"), 0))["total"]


def plan_pool(*, plan: AllocationPlan) -> int:
    """Doses of the plan's supply neither allocated nor awaiting an answer: the declined, the
    cancelled and what no location could take. Two queries."""
    return plan.supply - plan_allocated(plan=plan) - plan_offered(plan=plan)


def plan_lines_total(*, plan: AllocationPlan) -> int:
    """What the first round's lines add up to (a draft's total, against the supply)."""
    return plan.lines.filter(round=1).aggregate(total=Coalesce(Sum("doses"), 0))["total"]


def plan_lines(*, plan: AllocationPlan) -> QuerySet[AllocationPlanLine]:
    return plan.lines.select_related("location__organization", "location__county", "allocation").order_by(
        "round", "-weight", "location__name", "location_id"
    )


def offers_for(*, locations: QuerySet[Location]) -> QuerySet[AllocationPlanLine]:
    """The offers made to these locations (published plans only), the newest first."""
    return (
        AllocationPlanLine.objects.filter(location__in=locations)
        .exclude(status=OfferStatus.PROPOSED)
        .select_related("plan__product", "location", "allocation")
        .order_by("-plan__week", "-plan_id", "-round", "location__name")
    )
