"""Dose records as registry report rows: one SQL query (records joined to their person, product,
lot, location, organization and vaccinator), streamed with a server-side cursor in chunks, each
row turned into a `DoseReport` and forgotten. Memory stays flat however many records there are.

The query reads plain values (`REPORT_FIELDS`), not model instances: a record with
`select_related` would build eight objects of every column per dose (passwords, JSON, timestamps
nobody reports), which made the ORM most of an export's time (bench/administration_export_db.py).
"""

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from administration.enums import RecordStatus
from administration.models import AdministrationRecord
from administration.reporting.rows import Action, DoseReport, vaccine_group

CHUNK = 2000

# What a report needs of a record and of what it points to; `dose_report` reads these keys.
REPORT_FIELDS = (
    "id",
    "created_at",
    "version",
    "hl7_sent__version",  # None: never sent (a LEFT JOIN of the narrow Hl7Sent table)
    "status",
    "administered_at",
    "refused",
    "refusal_reason",
    "route",
    "site",
    "volume_ml",
    "dose_number",
    "historical",
    "valid",
    "invalid_findings",
    "vfc_eligibility",
    "funding_source",
    "vis_barcode",
    "vis_edition",
    "vis_given_on",
    "product__cvx",
    "product__cvx_description",
    "product__ndc",
    "product__mvx",
    "product__manufacturer",
    "product__name",
    "product__series_doses",
    "product__dose_volume_ml",
    "product__series_rule__primary_doses",
    "lot__number",
    "lot__expires_on",
    "recipient",
    "recipient__first_name",
    "recipient__middle_name",
    "recipient__last_name",
    "recipient__date_of_birth",
    "recipient__sex",
    "recipient__street",
    "recipient__street_2",
    "recipient__city",
    "recipient__county",
    "recipient__state",
    "recipient__zip_code",
    "recipient__phone",
    "recipient__races",
    "recipient__ethnicity",
    "recipient__comorbidity",
    "recipient__guardian_first_name",
    "recipient__guardian_last_name",
    "recipient__guardian_relationship",
    "location__name",
    "location__iis_facility_id",
    "location__address",
    "location__city",
    "location__county",
    "location__zip_code",
    "location__organization__name",
    "location__organization__pin",
    "location__site_type",
    "vaccinator",
    "vaccinator__first_name",
    "vaccinator__last_name",
    "recorded_by__first_name",
    "recorded_by__last_name",
)

ReportRow = Mapping[str, Any]


def _reported(records: QuerySet[AdministrationRecord]) -> QuerySet[AdministrationRecord]:
    return records.order_by("pk")


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the start of the day after `end`, in the state's time."""
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return since, until


def records_between(*, start: date, end: date) -> QuerySet[AdministrationRecord]:
    """The standing doses and refusals given from `start` to `end` (both included, state time)."""
    since, until = day_bounds(start, end)
    return _reported(
        AdministrationRecord.objects.filter(administered_at__gte=since, administered_at__lt=until).exclude(
            status=RecordStatus.VOIDED
        )
    )


def records_of_day(*, day: date) -> QuerySet[AdministrationRecord]:
    """What the daily CVRS file of `day` carries: the standing records created that day, whenever
    they were given (a back-filled paper form reports on the day it is entered), and those
    changed that day (corrected, or the person's details changed), sent again."""
    since, until = day_bounds(day, day)
    return _reported(
        AdministrationRecord.objects.filter(
            Q(created_at__gte=since, created_at__lt=until)
            | Q(changed_at__gte=since, changed_at__lt=until)
            | Q(
                recipient__registry_details_changed_at__gte=since,
                recipient__registry_details_changed_at__lt=until,
            )
        ).exclude(status=RecordStatus.VOIDED)
    )


def records_voided_after_reporting(*, day: date) -> QuerySet[AdministrationRecord]:
    """The records voided on `day` that an earlier daily file carried: a CVRS file can't delete."""
    since, until = day_bounds(day, day)
    return AdministrationRecord.objects.filter(
        status=RecordStatus.VOIDED, changed_at__gte=since, changed_at__lt=until, created_at__lt=since
    ).order_by("pk")


def reported_before(row: ReportRow, *, day: date) -> bool:
    """Whether a row of `records_of_day(day)` was in an earlier day's file (it was created before)."""
    return timezone.localdate(row["created_at"]) < day


def records_for_hl7(*, since_last: bool) -> QuerySet[AdministrationRecord]:
    """Every standing record, or (since the last run) those new or changed since they were sent:
    their version is ahead of the version last sent, or their person's details changed since (the
    IG's way: the VXU again, as an update). A void is sent only if the record was. A record the
    registry refused (ACK AE/AR) waits, at that version, for a correction (a new version), a
    change of the person's details, or for the state to send it again (services.registry)."""
    if not since_last:
        return _reported(AdministrationRecord.objects.exclude(status=RecordStatus.VOIDED))
    # The sent marks (Hl7Sent, a narrow table: marking a batch sent doesn't rewrite the records)
    # by one LEFT JOIN, a record without one read as sent at version 0: conditions on the join
    # rather than EXISTS subqueries, which in an OR PostgreSQL runs once per record.
    due = (
        AdministrationRecord.objects.annotate(sent_version=Coalesce("hl7_sent__version", 0))
        .filter(
            Q(sent_version__lt=F("version")) & ~Q(hl7_rejected_version=F("version"))
            | Q(hl7_sent__sent_at__lt=F("recipient__registry_details_changed_at"))
            & ~Q(status=RecordStatus.VOIDED)
        )
        .exclude(status=RecordStatus.VOIDED, sent_version=0)
    )
    return _reported(due)


def _digits(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return digits[-10:] if len(digits) == 11 and digits.startswith("1") else digits


def _action(row: ReportRow, *, for_hl7: bool) -> Action:
    """D for a void; for HL7, U for a record the registry holds already (sent and not refused:
    a correction, or the person's details changed), A for one it doesn't."""
    if row["status"] == RecordStatus.VOIDED:
        return Action.DELETE
    if for_hl7:
        return Action.UPDATE if (row["hl7_sent__version"] or 0) > 0 else Action.ADD
    return Action.UPDATE if row["status"] == RecordStatus.CORRECTED else Action.ADD


def report_rows(records: QuerySet[AdministrationRecord]) -> Iterator[ReportRow]:
    """The records' `REPORT_FIELDS`, one dict per record, from a server-side cursor."""
    return records.values(*REPORT_FIELDS).iterator(chunk_size=CHUNK)


def _dose_number(row: ReportRow) -> str:
    """CVRS dose_num: the valid dose's number in the series, or INV for a dose the clinical
    evaluator found not valid when it was recorded (kept with the vaccinator's reason)."""
    return str(row["dose_number"]) if row["valid"] else "INV"


def _series_complete(row: ReportRow) -> str:
    """YES from the valid dose that completes the primary series (its number reaches the
    product's series rule; the evaluator numbers valid doses in the order of the series)."""
    primary = row["product__series_rule__primary_doses"] or row["product__series_doses"] or 1
    return "YES" if row["valid"] and row["dose_number"] >= primary else "NO"


def _completion(row: ReportRow) -> str:
    """HL7 RXA-20: PA (partially administered) for a dose found not valid because less than the
    product's dose was given; CP otherwise."""
    dose_volume, given = row["product__dose_volume_ml"], row["volume_ml"]
    sub_potent = (
        not row["valid"]
        and "wrong_volume" in row["invalid_findings"].split(",")
        and dose_volume is not None
        and given is not None
        and given < dose_volume
    )
    return "PA" if sub_potent else "CP"


def dose_report(row: ReportRow, *, for_hl7: bool = False) -> DoseReport:
    """One row of `report_rows` as the report's row."""
    given = not row["refused"]
    vaccinator = row["vaccinator"]
    return DoseReport(
        event_id=f"CVMS-{row['id']}",
        administered_at=timezone.localtime(row["administered_at"]),
        cvx=row["product__cvx"],
        refused=row["refused"],
        refusal_reason=row["refusal_reason"] or "03",
        action=_action(row, for_hl7=for_hl7),
        historical=row["historical"],
        ndc=row["product__ndc"] if given else "",
        mvx=row["product__mvx"] if given else "",
        manufacturer=row["product__manufacturer"] if given else "",
        product_name=row["product__name"],
        lot_number=(row["lot__number"] or "") if given else "",
        lot_expiration=row["lot__expires_on"] if given else None,
        route=row["route"] if given else "",
        site=row["site"] if given else "",
        volume_ml=row["volume_ml"] if given else None,
        dose_number=_dose_number(row) if given else "",
        series_complete=_series_complete(row) if given else "",
        completion=_completion(row) if given else "RE",
        vfc_eligibility=row["vfc_eligibility"] if given else "",
        funding_source=row["funding_source"] if given else "",
        vis_barcode=row["vis_barcode"] if given else "",
        vis_vaccine_group=vaccine_group(row["product__cvx"], row["product__cvx_description"])
        if given
        else "",
        vis_edition=row["vis_edition"] if given else None,
        vis_given_on=row["vis_given_on"] if given else None,
        recipient_id=f"CVMS-R{row['recipient']}",
        first_name=row["recipient__first_name"],
        middle_name=row["recipient__middle_name"],
        last_name=row["recipient__last_name"],
        birth_date=row["recipient__date_of_birth"],
        sex=row["recipient__sex"],
        street=row["recipient__street"],
        street_2=row["recipient__street_2"],
        city=row["recipient__city"],
        county_fips=row["recipient__county"] or "",
        state=row["recipient__state"],
        zip_code=row["recipient__zip_code"],
        phone=_digits(row["recipient__phone"]),
        races=tuple(row["recipient__races"] or ()),
        ethnicity=row["recipient__ethnicity"],
        comorbidity=row["recipient__comorbidity"],
        guardian_first_name=row["recipient__guardian_first_name"],
        guardian_last_name=row["recipient__guardian_last_name"],
        guardian_relationship=row["recipient__guardian_relationship"],
        responsible_org=row["location__organization__name"],
        organization_id=row["location__organization__pin"] or "",
        facility_id=row["location__iis_facility_id"],
        admin_name=row["location__name"],
        vtrcks_pin=_vtrcks_pin(row["location__organization__pin"]),
        admin_type=row["location__site_type"] or "UNK",
        admin_street=row["location__address"],
        admin_city=row["location__city"],
        admin_county_fips=row["location__county"],
        admin_state="NC",
        admin_zip=row["location__zip_code"],
        vaccinator_id=f"CVMS-U{vaccinator}" if vaccinator else "",
        vaccinator_first_name=row["vaccinator__first_name"] or "",
        vaccinator_last_name=row["vaccinator__last_name"] or "",
        entered_by_first_name=row["recorded_by__first_name"] or "",
        entered_by_last_name=row["recorded_by__last_name"] or "",
    )


def _vtrcks_pin(pin: str | None) -> str:
    """The six digits of the provider's PIN (NCA and the VFC PIN, or a number the state issued):
    its PIN in VTrckS, which CVRS asks for without the state's prefix."""
    digits = (pin or "")[-6:]
    return digits if len(digits) == 6 and digits.isdigit() else ""


def dose_reports(records: QuerySet[AdministrationRecord], *, for_hl7: bool = False) -> Iterator[DoseReport]:
    for row in report_rows(records):
        yield dose_report(row, for_hl7=for_hl7)
