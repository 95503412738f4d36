"""Dose records as registry report rows: one SQL query (records joined to their person, product,
lot, location, organization and vaccinator), streamed with a server-side cursor in chunks, each
row turned into a `DoseReport` and forgotten. Memory stays flat however many records there are.
"""

from collections.abc import Iterator
from datetime import date, datetime, time

from django.db.models import F, QuerySet
from django.utils import timezone

from administration.record_enums import RecordStatus
from administration.record_models import AdministrationRecord
from administration.reporting.rows import Action, DoseReport

CHUNK = 2000


def _reported(records: QuerySet[AdministrationRecord]) -> QuerySet[AdministrationRecord]:
    return records.select_related(
        "recipient", "product", "lot", "location__organization", "vaccinator", "recorded_by"
    ).order_by("pk")


def records_between(*, start: date, end: date) -> QuerySet[AdministrationRecord]:
    """The standing doses and refusals given from `start` to `end` (both included, state time)."""
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end, time.max))
    return _reported(
        AdministrationRecord.objects.filter(administered_at__gte=since, administered_at__lte=until).exclude(
            status=RecordStatus.VOIDED
        )
    )


def records_for_hl7(*, since_last: bool) -> QuerySet[AdministrationRecord]:
    """Every standing record, or (since the last run) those new or changed since they were sent:
    their version is ahead of the version last sent. A void is sent only if the record was."""
    if not since_last:
        return _reported(AdministrationRecord.objects.exclude(status=RecordStatus.VOIDED))
    changed = AdministrationRecord.objects.filter(hl7_sent_version__lt=F("version")).exclude(
        status=RecordStatus.VOIDED, hl7_sent_version=0
    )
    return _reported(changed)


def _digits(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return digits[-10:] if len(digits) == 11 and digits.startswith("1") else digits


def _action(record: AdministrationRecord, *, for_hl7: bool) -> Action:
    if record.status == RecordStatus.VOIDED:
        return Action.DELETE
    if record.status == RecordStatus.CORRECTED and (not for_hl7 or record.hl7_sent_version > 0):
        return Action.UPDATE
    return Action.ADD


def dose_report(record: AdministrationRecord, *, for_hl7: bool = False) -> DoseReport:
    person = record.recipient
    product = record.product
    location = record.location
    organization = location.organization
    vaccinator = record.vaccinator
    entered_by = record.recorded_by
    given = not record.refused
    return DoseReport(
        event_id=record.event_id,
        administered_at=timezone.localtime(record.administered_at),
        cvx=product.cvx,
        refused=record.refused,
        refusal_reason=record.refusal_reason or "03",
        action=_action(record, for_hl7=for_hl7),
        ndc=product.ndc if given else "",
        mvx=product.mvx if given else "",
        manufacturer=product.manufacturer if given else "",
        product_name=product.name,
        lot_number=record.lot.number if given else "",
        lot_expiration=record.lot.expires_on if given else None,
        route=record.route if given else "",
        site=record.site if given else "",
        volume_ml=record.volume_ml if given else None,
        dose_number=str(record.dose_number) if given else "",
        series_complete=("YES" if record.dose_number >= (product.series_doses or 1) else "NO")
        if given
        else "",
        recipient_id=f"CVMS-R{person.pk}",
        first_name=person.first_name,
        middle_name=person.middle_name,
        last_name=person.last_name,
        birth_date=person.date_of_birth,
        sex=person.sex,
        street=person.street,
        street_2=person.street_2,
        city=person.city,
        county_fips=person.county_id or "",
        state=person.state,
        zip_code=person.zip_code,
        phone=_digits(person.phone),
        races=tuple(person.races or ()),
        ethnicity=person.ethnicity,
        comorbidity=person.comorbidity,
        responsible_org=organization.name,
        organization_id=organization.pin or "",
        admin_name=location.name,
        admin_street=location.address,
        admin_city=location.city,
        admin_county_fips=location.county_id,
        admin_state="NC",
        admin_zip=location.zip_code,
        vaccinator_id=f"CVMS-U{vaccinator.pk}" if vaccinator else "",
        vaccinator_first_name=vaccinator.first_name if vaccinator else "",
        vaccinator_last_name=vaccinator.last_name if vaccinator else "",
        entered_by_first_name=entered_by.first_name if entered_by else "",
        entered_by_last_name=entered_by.last_name if entered_by else "",
    )


def dose_reports(records: QuerySet[AdministrationRecord], *, for_hl7: bool = False) -> Iterator[DoseReport]:
    for record in records.iterator(chunk_size=CHUNK):
        yield dose_report(record, for_hl7=for_hl7)
