"""The dashboards' figures: sums over the summary tables (dashboards/models.py) and over small
live tables (stock on hand, clinics ahead), each one grouped query, whatever the number of
doses. `Filters` is what every dashboard is filtered by.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from administration.enums import ClinicStatus
from administration.models import AdverseEvent, Clinic
from dashboards.enums import DoseDimension, Milestone, PipelineStage, SupplyKind
from dashboards.models import DoseDay, PeopleDay, SupplyDay
from enrollment.models import County, Location, PriorityGroup
from inventory.models import InventoryReport, Product, Stock

# Days of supply are measured against the doses given over this many days.
RATE_DAYS = 7


@dataclass(frozen=True)
class Filters:
    """A dashboard's date range (inclusive), and its county, product and priority group (None:
    all of them)."""

    start: date
    end: date
    county: County | None = None
    product: Product | None = None
    group: PriorityGroup | None = None

    def query_string(self) -> str:
        values = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.county:
            values["county"] = self.county.pk
        if self.product:
            values["product"] = self.product.pk
        if self.group:
            values["group"] = self.group.pk
        return urlencode(values)

    def days(self) -> list[date]:
        return [self.start + timedelta(days) for days in range((self.end - self.start).days + 1)]


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the start of the day after `last`, in the state's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _filtered(queryset, filters: Filters, *, since_start: bool = True, group: bool = True):
    queryset = queryset.filter(day__lte=filters.end)
    if since_start:
        queryset = queryset.filter(day__gte=filters.start)
    if filters.county:
        queryset = queryset.filter(county=filters.county)
    if filters.product:
        queryset = queryset.filter(product=filters.product)
    if group and filters.group:
        queryset = queryset.filter(priority_group=filters.group)
    return queryset


def _doses(filters: Filters, dimension: DoseDimension, **kwargs):
    return _filtered(DoseDay.objects.filter(dimension=dimension), filters, **kwargs)


# --- Doses administered --------------------------------------------------------------------------


def doses_by_day(filters: Filters) -> dict[date, dict[str, int]]:
    """{day: {dose number: doses}} for every day of the range (empty days included)."""
    by_day: dict[date, dict[str, int]] = {day: {} for day in filters.days()}
    rows = _doses(filters, DoseDimension.DOSE).values("day", "value").annotate(n=Sum("doses")).order_by()
    for row in rows:
        by_day[row["day"]][row["value"]] = row["n"]
    return by_day


def doses_by_week(filters: Filters) -> dict[date, dict[str, int]]:
    """{Monday: {dose number: doses}} for the weeks the range touches."""
    by_week: dict[date, dict[str, int]] = defaultdict(dict)
    rows = (
        _doses(filters, DoseDimension.DOSE)
        .annotate(week=TruncWeek("day"))
        .values("week", "value")
        .annotate(n=Sum("doses"))
        .order_by()
    )
    for row in rows:
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        by_week[week][row["value"]] = row["n"]
    return dict(sorted(by_week.items()))


def doses_by(filters: Filters, dimension: DoseDimension) -> list[tuple[str, int]]:
    """(value, doses) of one breakdown, most doses first."""
    rows = _doses(filters, dimension).values("value").annotate(n=Sum("doses")).order_by("-n", "value")
    return [(row["value"], row["n"]) for row in rows]


def doses_by_key(filters: Filters, key: str) -> list[tuple[object, int]]:
    """(county id, product id or priority group id, doses), most doses first."""
    rows = _doses(filters, DoseDimension.DOSE).values(key).annotate(n=Sum("doses")).order_by("-n", key)
    return [(row[key], row["n"]) for row in rows]


# --- Coverage ------------------------------------------------------------------------------------


def people_by_county(filters: Filters) -> dict[str, dict[str, int]]:
    """{county fips: {"first": people with at least one dose, "completed": people whose series
    is complete}} up to the range's end (coverage counts from the beginning)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {Milestone.FIRST: 0, Milestone.COMPLETED: 0})
    rows = (
        _doses(filters, DoseDimension.MILESTONE, since_start=False)
        .filter(county__isnull=False)
        .values("county_id", "value")
        .annotate(n=Sum("doses"))
        .order_by()
    )
    for row in rows:
        counts[row["county_id"]][row["value"]] = row["n"]
    return dict(counts)


def first_doses_by_race_ethnicity(filters: Filters) -> dict[str, dict[str, int]]:
    """{county fips: {"race|ethnicity": people with a first dose}} up to the range's end."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        _doses(filters, DoseDimension.PEOPLE, since_start=False)
        .filter(county__isnull=False)
        .values("county_id", "value")
        .annotate(n=Sum("doses"))
        .order_by()
    )
    for row in rows:
        counts[row["county_id"]][row["value"]] = row["n"]
    return dict(counts)


# --- Pipeline ------------------------------------------------------------------------------------


def pipeline(filters: Filters, key: str) -> dict[object, dict[str, int]]:
    """{county id or priority group id: {stage: people}} over the range. Invitations have no
    county: with a county chosen they aren't counted."""
    counts: dict[object, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PipelineStage.values, 0))
    queryset = PeopleDay.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.county:
        queryset = queryset.filter(county=filters.county)
    if filters.group:
        queryset = queryset.filter(priority_group=filters.group)
    for row in queryset.values(key, "stage").annotate(n=Sum("people")).order_by():
        counts[row[key]][row["stage"]] = row["n"]
    return dict(counts)


# --- Supply --------------------------------------------------------------------------------------


def supply(filters: Filters, key: str) -> dict[object, dict[str, int]]:
    """{location id or county id: {kind: doses}} over the range, with "on_hand" now and
    "rate" the doses given a day over the last RATE_DAYS days."""
    figures: dict[object, dict[str, float]] = defaultdict(
        lambda: dict.fromkeys([*SupplyKind.values, "on_hand", "rate"], 0)
    )
    rows = (
        _filtered(SupplyDay.objects.all(), filters, group=False).values(key, "kind").annotate(n=Sum("doses"))
    )
    for row in rows.order_by():
        figures[row[key]][row["kind"]] = row["n"]
    today = timezone.localdate()
    recent = _filtered(
        SupplyDay.objects.filter(kind=SupplyKind.ADMINISTERED, day__gt=today - timedelta(RATE_DAYS)),
        Filters(
            start=today - timedelta(RATE_DAYS - 1), end=today, county=filters.county, product=filters.product
        ),
        group=False,
    )
    for row in recent.values(key).annotate(n=Sum("doses")).order_by():
        figures[row[key]]["rate"] = row["n"] / RATE_DAYS
    stock_key = {"location_id": "location_id", "county_id": "location__county_id"}[key]
    stocks = Stock.objects.filter(on_hand__gt=0)
    if filters.county:
        stocks = stocks.filter(location__county=filters.county)
    if filters.product:
        stocks = stocks.filter(lot__product=filters.product)
    for row in stocks.values(stock_key).annotate(n=Sum("on_hand")).order_by():
        figures[row[stock_key]]["on_hand"] = row["n"]
    return dict(figures)


def days_of_supply(on_hand: int, rate: float) -> float | None:
    """How many days the doses on hand last at the current rate (None when nothing is given)."""
    return round(on_hand / rate, 1) if rate else None


def wastage(filters: Filters, key: str) -> list[tuple[object, int]]:
    """(reason or location id, doses wasted), most first."""
    rows = (
        _filtered(SupplyDay.objects.filter(kind=SupplyKind.WASTED), filters, group=False)
        .values(key)
        .annotate(n=Sum("doses"))
        .order_by("-n", key)
    )
    return [(row[key], row["n"]) for row in rows if row["n"]]


# --- Adverse events ------------------------------------------------------------------------------


def adverse_events(filters: Filters, *, severity: str = ""):
    """The adverse events whose onset falls in the range (newest first)."""
    # The range's bounds as instants, compared with the onset as it is stored, by its index: a
    # state's events of a few weeks, not every event joined to its dose.
    since, until = local_day_bounds(filters.start, filters.end)
    events = AdverseEvent.objects.filter(onset_at__gte=since, onset_at__lt=until)
    if filters.county:
        events = events.filter(
            Q(record__recipient__county=filters.county)
            | Q(record__recipient__county__isnull=True, record__location__county=filters.county)
        )
    if filters.product:
        events = events.filter(record__product=filters.product)
    if filters.group:
        events = events.filter(record__recipient__priority_group=filters.group)
    if severity:
        events = events.filter(severity=severity)
    return events.select_related("record__product", "record__location__county").order_by("-onset_at", "-id")


# --- Reporting lag -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LagPlace:
    """What the reporting lag shows of a location: plain values, so that the list of a state's
    thousands of locations is cheap to keep in the cache and to read back from it (model
    instances with their organization and county took most of the page's time to unpickle)."""

    pk: int
    name: str
    organization: str
    county: str  # its name in the language of the time the list was made


@dataclass(frozen=True)
class LocationLag:
    location: LagPlace
    delivered: int
    administered: int
    wasted: int
    on_hand: int
    last_dose: date | None
    last_count: date | None

    @property
    def last_report(self) -> date | None:
        days = [day for day in (self.last_dose, self.last_count) if day]
        return max(days) if days else None

    def days_silent(self, today: date) -> int | None:
        return (today - self.last_report).days if self.last_report else None

    @property
    def unaccounted(self) -> int:
        """Delivered doses neither recorded as given or wasted nor on hand (moved ones aside)."""
        return self.delivered - self.administered - self.wasted - self.on_hand


def reporting_lag(
    *, county: County | None = None, silent_days: int = 3
) -> tuple[list[LocationLag], list[int]]:
    """Every location that has received doses: delivered against recorded (given, wasted, on
    hand), and the day it last recorded a dose or counted its stock. Lagging (the ids returned
    second): doses on hand and nothing reported for `silent_days` days or more."""
    today = timezone.localdate()
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SupplyKind.values, 0))
    supply_rows = SupplyDay.objects.exclude(kind=SupplyKind.ALLOCATED)
    if county:
        supply_rows = supply_rows.filter(county=county)
    last_dose = {}
    # The last day a dose was given (a day whose only movement is a voided dose put back isn't).
    rows = supply_rows.values("location_id", "kind").annotate(
        n=Sum("doses"), last=Max("day", filter=Q(doses__gt=0))
    )
    for row in rows.order_by():
        totals[row["location_id"]][row["kind"]] = row["n"]
        if row["kind"] == SupplyKind.ADMINISTERED:
            last_dose[row["location_id"]] = row["last"]
    locations = [
        LagPlace(
            pk=location.pk,
            name=location.name,
            organization=location.organization.name,
            county=str(location.county),
        )
        for location in Location.objects.filter(pk__in=list(totals)).select_related("organization", "county")
    ]
    on_hand = dict(
        Stock.objects.filter(location_id__in=list(totals))
        .values("location_id")
        .annotate(n=Sum("on_hand"))
        .values_list("location_id", "n")
    )
    last_count = dict(
        InventoryReport.objects.filter(location_id__in=list(totals))
        .values("location_id")
        .annotate(last=Max("counted_on"))
        .values_list("location_id", "last")
    )
    lags = sorted(
        (
            LocationLag(
                location=location,
                delivered=totals[location.pk][SupplyKind.DELIVERED] + totals[location.pk][SupplyKind.MOVED],
                administered=totals[location.pk][SupplyKind.ADMINISTERED],
                wasted=totals[location.pk][SupplyKind.WASTED],
                on_hand=on_hand.get(location.pk) or 0,
                last_dose=last_dose.get(location.pk),
                last_count=last_count.get(location.pk),
            )
            for location in locations
        ),
        key=lambda lag: (lag.last_report or date.min, lag.location.name),
    )
    lagging = [
        lag.location.pk
        for lag in lags
        if lag.on_hand > 0 and (lag.days_silent(today) is None or lag.days_silent(today) >= silent_days)
    ]
    return lags, lagging


# --- The provider's own dashboard ----------------------------------------------------------------


def clinics_ahead(locations, *, days: int = 14):
    """The location's clinics from today on, with their places and bookings (one query)."""
    today = timezone.localdate()
    return (
        Clinic.objects.filter(location__in=locations, date__gte=today, date__lte=today + timedelta(days))
        .exclude(status=ClinicStatus.CANCELLED)
        .select_related("location", "product")
        .annotate(places=Sum("slots__capacity"), booked=Sum("slots__booked"))
        .order_by("date", "opens_at", "id")
    )


def booked_share(clinic) -> int:
    return round(100 * (clinic.booked or 0) / clinic.places) if clinic.places else 0
