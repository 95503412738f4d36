"""Keeping the dashboards' summary tables current (dashboards/models.py).

`summaries_refresh` finds the days on which something changed since the last run (a dose
recorded, corrected or voided; a person registered; an appointment booked; an invitation sent;
a stock movement; an allocation) and rebuilds those days' rows of every summary, each with one
grouped query per breakdown. Celery beat runs it every minute (`dashboards.tasks`); `full=True`
rebuilds every day (nightly, and after the definitions change).
"""

import logging
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    TruncDate,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from administration.enums import AppointmentStatus, RecordStatus
from administration.models import AdministrationRecord, Appointment
from cvms.audit import audit_many
from cvms.emails import send_templated_email
from cvms.models import User
from cvms.roles import Role
from cvms.sites import absolute_url
from dashboards.enums import AGE_BANDS, DoseDimension, Milestone, PipelineStage, SupplyKind
from dashboards.models import DoseDay, PeopleDay, SummaryWatermark, SupplyDay
from dashboards.selectors import local_day_bounds
from dashboards.series import completes_series, starts_series
from employers.models import Invitation
from enrollment.models import Location
from inventory.enums import MovementKind
from inventory.models import Allocation, StockMovement
from recipients.models import Recipient

logger = logging.getLogger(__name__)

WATERMARK = "summaries"
# A transaction that began before the last run may commit after it: look back this far again.
OVERLAP = timedelta(minutes=5)


def summaries_refresh(*, full: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Bring the summaries up to date; returns the number of days rebuilt and rows written."""
    now = now or timezone.now()
    with transaction.atomic():
        # One refresh at a time: a worker waits for the one running (unbounded on purpose: it
        # has nothing else to do), so two never rebuild the same day over each other.
        watermark, _created = SummaryWatermark.objects.select_for_update().get_or_create(name=WATERMARK)
        if full or _created:
            days = None
        else:
            days = _days_changed(
                since=watermark.refreshed_at - OVERLAP, movement_id=watermark.last_movement_id
            )
        written = 0
        if days is None or days:
            written += _doses_rebuild(days)
            written += _people_rebuild(days)
            written += _supply_rebuild(days)
        if days is None and connection.vendor == "postgresql":
            # Millions of rows replaced at once: the planner's statistics of the day before
            # would misjudge every dashboard's query until autovacuum comes round.
            with connection.cursor() as cursor:
                for model in (DoseDay, PeopleDay, SupplyDay):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        watermark.refreshed_at = now
        if days is None or days:
            watermark.changed_at = now
        watermark.last_movement_id = (
            StockMovement.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )
        watermark.save()
    rebuilt = -1 if days is None else len(days)
    logger.info("dashboards.summaries.refreshed", extra={"days": rebuilt, "rows": written})
    return {"days": rebuilt, "rows": written}


def _local_day(field: str):
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _days_of(queryset, field: str) -> set[date]:
    return set(queryset.annotate(_day=_local_day(field)).values_list("_day", flat=True).distinct())


def _days_changed(*, since: datetime, movement_id: int) -> set[date]:
    """The days whose rows may have changed since `since` (the records' own days: a dose
    back-filled today for last Tuesday changes last Tuesday)."""
    days = _days_of(
        AdministrationRecord.objects.filter(Q(created_at__gte=since) | Q(changed_at__gte=since)),
        "administered_at",
    )
    days |= _days_of(Recipient.objects.filter(created_at__gte=since), "created_at")
    days |= _days_of(Appointment.objects.filter(created_at__gte=since), "created_at")
    days |= _days_of(Invitation.objects.filter(sent_at__gte=since), "sent_at")
    days |= _days_of(StockMovement.objects.filter(id__gt=movement_id), "at")
    days |= set(Allocation.objects.filter(created_at__gte=since).values_list("week", flat=True))
    return days


def _within(queryset, field: str, days: set[date] | None):
    """Rows of `queryset` whose `field` falls on one of `days` (every row when None), with the
    local day annotated as `day`."""
    queryset = queryset.annotate(day=_local_day(field))
    if days is None:
        return queryset
    start, end = local_day_bounds(min(days), max(days))
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end, "day__in": days})


# --- Doses -------------------------------------------------------------------------------------


def _age_band():
    """The person's age band on the day of the dose (full years, birthdays counted)."""
    zone = timezone.get_current_timezone()
    birthday_to_come = Q(_at_month__lt=F("_dob_month")) | Q(
        _at_month=F("_dob_month"), _at_day__lt=F("_dob_day")
    )
    return {
        "_at_month": ExtractMonth("administered_at", tzinfo=zone),
        "_at_day": ExtractDay("administered_at", tzinfo=zone),
        "_dob_month": ExtractMonth("recipient__date_of_birth"),
        "_dob_day": ExtractDay("recipient__date_of_birth"),
        "_age": ExtractYear("administered_at", tzinfo=zone)
        - ExtractYear("recipient__date_of_birth")
        - Case(When(birthday_to_come, then=Value(1)), default=Value(0), output_field=IntegerField()),
    }


def _age_band_case():
    bands = list(reversed(AGE_BANDS))
    return Case(
        *[When(_age__gte=lower, then=Value(label)) for lower, label in bands[:-1]],
        default=Value(bands[-1][1]),
        output_field=CharField(),
    )


def _race():
    return Coalesce(KeyTextTransform("0", "recipient__races"), Value("UNK"), output_field=CharField())


def _dose_breakdowns():
    """(dimension, extra filter, annotations, value expression) for each breakdown."""
    return [
        (DoseDimension.DOSE, Q(historical=False), {}, Cast("dose_number", CharField())),
        (DoseDimension.LOCATION, Q(historical=False), {}, Cast("location_id", CharField())),
        (DoseDimension.AGE, Q(historical=False), _age_band(), _age_band_case()),
        (DoseDimension.SEX, Q(historical=False), {}, F("recipient__sex")),
        (DoseDimension.RACE, Q(historical=False), {}, _race()),
        (DoseDimension.ETHNICITY, Q(historical=False), {}, F("recipient__ethnicity")),
        (DoseDimension.MILESTONE, starts_series(), {}, Value(Milestone.FIRST.value)),
        (DoseDimension.MILESTONE, completes_series(), {}, Value(Milestone.COMPLETED.value)),
        (
            DoseDimension.PEOPLE,
            starts_series(),
            {},
            Concat(_race(), Value("|"), F("recipient__ethnicity"), output_field=CharField()),
        ),
    ]


def standing_doses():
    """The doses that stand: given (not refused) and not voided."""
    return AdministrationRecord.objects.filter(refused=False).exclude(status=RecordStatus.VOIDED)


def _doses_rebuild(days: set[date] | None) -> int:
    written = 0
    _delete_days(DoseDay.objects.all(), days)
    for dimension, condition, annotations, value in _dose_breakdowns():
        grouped = (
            _within(standing_doses().filter(condition), "administered_at", days)
            .annotate(**annotations)
            .annotate(
                _county=Coalesce("recipient__county_id", "location__county_id"),
                _product=F("product_id"),
                _group=F("recipient__priority_group_id"),
                _dimension=Value(dimension.value, output_field=CharField()),
                _value=Cast(value, CharField()),
            )
            .values("day", "_county", "_product", "_group", "_dimension", "_value")
            .annotate(n=Count("id"))
            .order_by()
        )
        written += _insert_grouped(
            DoseDay,
            ["day", "county_id", "product_id", "priority_group_id", "dimension", "value", "doses"],
            grouped,
            ["day", "_county", "_product", "_group", "_dimension", "_value", "n"],
        )
    return written


def _insert_grouped(model, columns: list[str], grouped, aliases: list[str], params=()) -> int:
    """INSERT INTO model's table (columns) SELECT aliases FROM (the grouped query): the rows
    never leave the database (a full rebuild at state scale writes millions of them; building
    them as objects in Python took minutes per 100,000 doses). `aliases` may be SQL over the
    grouped query's columns, with `params` for its placeholders."""
    quote = connection.ops.quote_name
    sql, inner_params = grouped.query.get_compiler(connection=connection).as_sql()
    selected = ", ".join(alias if " " in alias else quote(alias) for alias in aliases)
    with connection.cursor() as cursor:
        target = f"{quote(model._meta.db_table)} ({', '.join(map(quote, columns))})"
        # Our own names and Django's compiled SQL; the values are parameters.
        insert = f"INSERT INTO {target} SELECT {selected} FROM ({sql}) AS grouped"  # noqa: S608
        cursor.execute(insert, (*params, *inner_params))
        return cursor.rowcount


def _delete_days(queryset, days: set[date] | None) -> None:
    if days is not None:
        queryset = queryset.filter(day__in=days)
    queryset.delete()


# --- People: the pipeline ------------------------------------------------------------------------


def _people_rebuild(days: set[date] | None) -> int:
    sources = [
        (
            PipelineStage.REGISTERED,
            _within(Recipient.objects.all(), "created_at", days),
            "county_id",
            "priority_group_id",
            Count("id"),
        ),
        (
            PipelineStage.INVITED,
            _within(Invitation.objects.filter(sent_at__isnull=False), "sent_at", days),
            None,
            "invitee__priority_group_id",
            Count("invitee_id", distinct=True),
        ),
        (
            # A first appointment, counted once: a rescheduled one replaces its original.
            PipelineStage.BOOKED,
            _within(
                Appointment.objects.filter(dose_number=1, rescheduled_from__isnull=True).exclude(
                    status=AppointmentStatus.CANCELLED
                ),
                "created_at",
                days,
            ),
            "recipient__county_id",
            "recipient__priority_group_id",
            Count("recipient_id", distinct=True),
        ),
        (
            PipelineStage.VACCINATED,
            _within(standing_doses().filter(dose_number=1), "administered_at", days),
            "recipient__county_id",
            "recipient__priority_group_id",
            Count("recipient_id", distinct=True),
        ),
    ]
    written = 0
    _delete_days(PeopleDay.objects.all(), days)
    for stage, queryset, county, group, count in sources:
        county_value = F(county) if county else Value(None, output_field=CharField())
        grouped = (
            queryset.annotate(
                _county=county_value, _group=F(group), _stage=Value(stage.value, output_field=CharField())
            )
            .values("day", "_county", "_group", "_stage")
            .annotate(n=count)
            .order_by()
        )
        written += _insert_grouped(
            PeopleDay,
            ["day", "county_id", "priority_group_id", "stage", "people"],
            grouped,
            ["day", "_county", "_group", "_stage", "n"],
        )
    return written


# --- Supply --------------------------------------------------------------------------------------

_MOVEMENT_KINDS = Case(
    When(kind=MovementKind.RECEIVED, then=Value(SupplyKind.DELIVERED.value)),
    When(kind=MovementKind.ADMINISTERED, then=Value(SupplyKind.ADMINISTERED.value)),
    When(kind__in=[MovementKind.WASTED, MovementKind.EXPIRED], then=Value(SupplyKind.WASTED.value)),
    default=Value(SupplyKind.MOVED.value),
    output_field=CharField(),
)
_MOVEMENT_REASON = Case(
    When(kind=MovementKind.EXPIRED, then=Value(MovementKind.EXPIRED.value)),
    When(kind=MovementKind.WASTED, then=F("reason")),
    default=Value(""),
    output_field=CharField(),
)


def _supply_rebuild(days: set[date] | None) -> int:
    _delete_days(SupplyDay.objects.all(), days)
    movements = (
        _within(StockMovement.objects.all(), "at", days)
        .annotate(
            _kind=_MOVEMENT_KINDS,
            _reason=_MOVEMENT_REASON,
            _location=F("location_id"),
            _county=F("location__county_id"),
            _product=F("lot__product_id"),
        )
        .values("day", "_location", "_county", "_product", "_kind", "_reason")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    # Doses out of stock are negative in the ledger; the summary counts them as doses.
    written = _insert_grouped(
        SupplyDay,
        ["day", "location_id", "county_id", "product_id", "kind", "reason", "doses"],
        movements.exclude(n=0),
        [
            "day",
            "_location",
            "_county",
            "_product",
            "_kind",
            "COALESCE(grouped._reason, '')",
            "CASE WHEN grouped._kind IN (%s, %s) THEN grouped.n ELSE -grouped.n END",
        ],
        params=(SupplyKind.DELIVERED.value, SupplyKind.MOVED.value),
    )
    allocations = Allocation.objects.all() if days is None else Allocation.objects.filter(week__in=days)
    grouped = (
        allocations.annotate(
            _location=F("location_id"),
            _county=F("location__county_id"),
            _product=F("product_id"),
            _kind=Value(SupplyKind.ALLOCATED.value, output_field=CharField()),
            _reason=Value("", output_field=CharField()),
        )
        .values("week", "_location", "_county", "_product", "_kind", "_reason")
        .annotate(n=Sum("doses"))
        .order_by()
    )
    return written + _insert_grouped(
        SupplyDay,
        ["day", "location_id", "county_id", "product_id", "kind", "reason", "doses"],
        grouped,
        ["week", "_location", "_county", "_product", "_kind", "_reason", "n"],
    )


# --- Reporting lag: reminders ------------------------------------------------------------------


class NothingToRemind(Exception):
    """No location was chosen, or none of those chosen is lagging."""


def lag_reminders_send(*, location_ids: list[int], lagging_ids: list[int], by: User, request=None) -> int:
    """E-mail the provider administrators of each chosen location that is lagging (the others
    are left out: the list may have moved on since the page was drawn) to record the doses they
    gave and count their stock; one audit event per location. Returns the e-mails queued."""
    chosen = sorted(set(location_ids) & set(lagging_ids))
    if not chosen:
        raise NothingToRemind(_("Choose at least one lagging location."))
    locations = list(Location.objects.filter(pk__in=chosen).select_related("organization"))
    admins = User.objects.filter(
        is_active=True,
        memberships__organization__in={location.organization_id for location in locations},
        memberships__role=Role.PROVIDER_ADMIN,
    ).values_list("memberships__organization_id", "email", "first_name", "language")
    by_organization: dict[int, list[tuple[str, str, str]]] = {}
    for organization_id, email, first_name, language in admins:
        by_organization.setdefault(organization_id, []).append((email, first_name, language))
    sent = 0
    with transaction.atomic():
        for location in locations:
            for email, first_name, language in by_organization.get(location.organization_id, []):
                with override(language or None):
                    context = {
                        "subject": _("Please bring %(location)s's dose records up to date")
                        % {"location": location.name},
                        "name": first_name,
                        "paragraphs": [
                            _(
                                "%(location)s holds doses of vaccine but has recorded no dose and counted no "
                                "stock for several days."
                            )
                            % {"location": location.name},
                            _("Please record the doses given and submit the inventory levels form today."),
                        ],
                        "action_url": absolute_url(reverse("provider:administration.records")),
                        "action_label": _("Record doses"),
                    }
                send_templated_email(to=email, template="notice", context=context, language=language or None)
                sent += 1
        audit_many(
            action="dashboards.lag_reminder.sent",
            by=by,
            request=request,
            events=[
                (location, {"recipients": len(by_organization.get(location.organization_id, []))})
                for location in locations
            ],
        )
    return sent
