"""Files made from the records: the registry exports (CVRS, HL7) and the printed offline forms.

The writers stream: rows come from a server-side cursor (`selectors.reporting.dose_reports`) and go
straight to the file, so a million doses take the memory of a few thousand. The state portal
and the provider portal request a file as an `ExportJob`; a Celery task (enqueued after commit)
runs it, updating its progress, and stores the file privately with an expiry. The management
commands call the same writers.

The HL7 export keeps track of what was sent: each record's `version` written to the file is
noted in a side file (one line per record, so memory stays flat), and only once the batch file
is complete are those records marked sent (`hl7_sent_version`), in one transaction, and only at
the version written: a record corrected meanwhile stays due and goes in the next run.
"""

import contextlib
import io
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus, ExportKind, ExportStatus
from administration.models import (
    AdministrationRecord,
    Appointment,
    Clinic,
    ExportJob,
    Hl7Batch,
    Hl7Message,
    OfflineForm,
)
from administration.offline import documents
from administration.offline.numbers import form_number_new
from administration.reporting import cvrs, hl7
from administration.selectors import reporting as report_selectors
from cvms.audit import audit
from cvms.models import User
from enrollment.models import Location, Organization
from inventory.enums import WasteReason
from inventory.interface import stock_levels

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
MAX_BLANK_FORMS = 500


class ExportError(Exception):
    pass


def hl7_sender() -> hl7.Sender:
    return hl7.Sender(
        application=settings.HL7_SENDING_APPLICATION,
        facility=settings.HL7_SENDING_FACILITY,
        receiving_application=settings.HL7_RECEIVING_APPLICATION,
        receiving_facility=settings.HL7_RECEIVING_FACILITY,
        processing_id=settings.HL7_PROCESSING_ID,
        responsible_org=settings.HL7_SEND_RESPONSIBLE_ORGANIZATION,
        facility_identifier=hl7.FacilityIdentifier(settings.HL7_FACILITY_IDENTIFIER),
    )


def _counted(rows, progress: Callable[[int], None] | None):
    count = 0
    for count, row in enumerate(rows, start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield row
    if progress is not None:
        progress(count)


@contextlib.contextmanager
def output_file(path: str | os.PathLike) -> Iterator[TextIO]:
    """Write a file that appears at `path` only once it is complete.

    The text goes to a temporary file beside `path` (same directory, so the final rename is
    atomic), flushed to disk and renamed over `path` when the block ends without an error. On any
    error, a Ctrl-C included, the temporary file is removed and `path` is left as it was: a file at
    `path` is always a whole export, never one cut short that looks complete.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@dataclass
class CvrsResult:
    records: int  # the lines written, header aside
    report: cvrs.Report = field(default_factory=cvrs.Report)


def cvrs_write(
    out: TextIO,
    *,
    start: date,
    end: date,
    extract_type: cvrs.ExtractType,
    progress: Callable[[int], None] | None = None,
) -> CvrsResult:
    """Write the CVRS file of the doses and refusals given from `start` to `end`.

    A record that can't be expressed as recorded doesn't stop the file: what the specification
    lets us leave empty is left empty, a record still invalid is left out, and both are listed in
    the result's report for the person sending the file."""
    records = report_selectors.records_between(start=start, end=end)
    result = CvrsResult(records=0)
    for line in cvrs.cvrs_lines(
        _counted(report_selectors.dose_reports(records), progress),
        extract_type=extract_type,
        report=result.report,
    ):
        out.write(line)
        result.records += 1
    result.records -= 1  # the header
    return result


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text


@dataclass
class Hl7Result:
    messages: int
    batch: Hl7Batch
    sent_file: object  # the side file of "pk version n" lines, to mark sent once the batch is delivered


def hl7_write(
    out: TextIO,
    *,
    since_last: bool,
    batch_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Hl7Result:
    """Write an HL7 batch of VXU messages: every standing record, or those new or changed since
    the last run. Call `hl7_mark_sent(result)` once the file is safely stored.

    Each batch is a row (`Hl7Batch`) whose label makes the messages' control ids unique across
    batches, so that the registry's acknowledgements find their messages."""
    now = timezone.now()
    batch = Hl7Batch.objects.create(label=batch_id or f"T{uuid.uuid4().hex[:11]}", created_at=now)
    if batch_id is None:
        # Short enough that "<label>-<n>" stays within MSH-10's 20 characters: C and the batch's
        # number in base 36 (7 characters up to 2 billion batches), a dash, n in base 36.
        batch.label = f"C{_base36(batch.pk)}"
        batch.save(update_fields=["label"])
    records = report_selectors.records_for_hl7(since_last=since_last)
    sent = tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115 - closed by hl7_mark_sent

    def noted():
        for n, row in enumerate(report_selectors.report_rows(records), start=1):
            sent.write(f"{row['id']} {row['version']} {n}\n")
            yield report_selectors.dose_report(row, for_hl7=True)

    count = 0
    for piece in hl7.vxu_batch_lines(
        _counted(noted(), progress), batch_id=batch.label, now=now, sender=hl7_sender(), number=_base36
    ):
        out.write(piece)
        if piece.startswith("MSH|"):
            count += 1
    return Hl7Result(messages=count, batch=batch, sent_file=sent)


@transaction.atomic
def hl7_mark_sent(result: Hl7Result) -> None:
    """Keep each message written (its control id, record and version, for the acknowledgements)
    and mark the records sent at the version written, in batches, in one transaction. A record
    changed since it was written stays due; a record refused at this version waits no more."""
    batch = result.batch
    result.sent_file.seek(0)
    pending: list[tuple[int, int, int]] = []

    def flush():
        Hl7Message.objects.bulk_create(
            [
                Hl7Message(
                    batch=batch, control_id=f"{batch.label}-{_base36(n)}", record_id=pk, version=version
                )
                for pk, version, n in pending
            ]
        )
        by_version: dict[int, list[int]] = {}
        for pk, version, _n in pending:
            by_version.setdefault(version, []).append(pk)
        for version, pks in by_version.items():
            AdministrationRecord.objects.filter(pk__in=pks, version=version).update(
                hl7_sent_version=version, hl7_sent_at=batch.created_at
            )
        pending.clear()

    for line in result.sent_file:
        pk, version, n = (int(part) for part in line.split())
        pending.append((pk, version, n))
        if len(pending) == report_selectors.CHUNK:
            flush()
    flush()
    result.sent_file.close()
    Hl7Batch.objects.filter(pk=batch.pk).update(messages=result.messages, marked_sent_at=timezone.now())


# --- Jobs: requested from a portal, run by a Celery task ------------------------------------------


def export_request(
    *,
    kind: str,
    by: User,
    organization: Organization | None = None,
    location: Location | None = None,
    clinic: Clinic | None = None,
    params: dict | None = None,
    request=None,
) -> ExportJob:
    """Ask for a file; a worker makes it after this transaction commits."""
    from administration import tasks  # tasks import this module

    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            organization=organization,
            location=location,
            clinic=clinic,
            params=params or {},
            requested_by=by,
        )
        audit(
            action=f"administration.export.requested.{kind}",
            by=by,
            target=job,
            request=request,
            data=params or {},
        )
        transaction.on_commit(lambda: tasks.export_run.delay(job_id=job.pk))
    return job


def _claim(job_id: int) -> ExportJob | None:
    """The job, if this worker is the one to run it (a retried task finds it taken or done)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return None
    return ExportJob.objects.select_related("organization", "location__organization", "clinic").get(pk=job_id)


def export_run(*, job_id: int) -> ExportJob | None:
    job = _claim(job_id)
    if job is None:
        return None

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        name, fill = _MAKERS[job.kind](job, progress)
        with tempfile.TemporaryFile("w+b") as target:
            after = fill(target)
            target.seek(0)
            job.file.save(name, File(target, name=name), save=False)
        if after is not None:
            after()
    except Exception as failure:  # any failure is the job's: shown to the person, logged
        logger.exception("Export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(failure)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        file=job.file.name,
        file_name=name,
        finished_at=now,
        expires_at=now + timedelta(days=settings.ADMINISTRATION_EXPORT_DAYS),
    )
    job.refresh_from_db()
    return job


def _text_into(target, write):
    """Run `write(text_stream)` into the binary file `target` as UTF-8 (without closing it)."""
    stream = io.TextIOWrapper(target, encoding="utf-8", newline="")
    try:
        result = write(stream)
        stream.flush()
    finally:
        stream.detach()
    return result


def _cvrs_maker(job: ExportJob, progress):
    start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
    ExportJob.objects.filter(pk=job.pk).update(
        total=report_selectors.records_between(start=start, end=end).count()
    )
    name = cvrs.cvrs_file_name(
        reported_on=timezone.localdate(), sequence=1, entity=settings.CVRS_SUBMITTER_CODE
    )

    extract_type = cvrs.ExtractType(job.params.get("extract_type", cvrs.ExtractType.DEIDENTIFIED))

    def fill(target):
        result = _text_into(
            target,
            lambda out: cvrs_write(out, start=start, end=end, extract_type=extract_type, progress=progress),
        )
        # What the file couldn't carry is shown on the job's page, beside the download.
        return lambda: ExportJob.objects.filter(pk=job.pk).update(notes=result.report.text())

    return name, fill


def _hl7_maker(job: ExportJob, progress):
    since_last = bool(job.params.get("since_last"))
    ExportJob.objects.filter(pk=job.pk).update(
        total=report_selectors.records_for_hl7(since_last=since_last).count()
    )
    name = f"vxu-{timezone.localtime():%Y%m%d-%H%M%S}.hl7"

    def fill(target):
        result = _text_into(target, lambda out: hl7_write(out, since_last=since_last, progress=progress))
        return lambda: hl7_mark_sent(result)

    return name, fill


def _heading(location: Location, clinic: Clinic | None = None) -> documents.FormHeading:
    return documents.FormHeading(
        organization=location.organization.name,
        location=location.name,
        pin=location.organization.pin or "",
        clinic_date=clinic.date if clinic else None,
        product=f"{clinic.product.name} ({clinic.product.ndc})" if clinic else "",
    )


def _issue_numbers(
    *, count: int, location: Location, by: User | None, clinic=None, recipients=()
) -> list[str]:
    """New form numbers, recorded as issued to `location` (back-fill checks them against it)."""
    numbers = [form_number_new() for _ in range(count)]
    people = list(recipients) or [None] * count
    OfflineForm.objects.bulk_create(
        [
            OfflineForm(number=number, location=location, clinic=clinic, recipient=person, issued_by=by)
            for number, person in zip(numbers, people, strict=True)
        ]
    )
    return numbers


def _person(recipient) -> documents.PrefilledPerson:
    return documents.PrefilledPerson(
        first_name=recipient.first_name,
        middle_name=recipient.middle_name,
        last_name=recipient.last_name,
        date_of_birth=recipient.date_of_birth,
        sex=recipient.sex,
        races="; ".join(recipient.races or []),
        ethnicity=recipient.ethnicity,
        street=recipient.street,
        street_2=recipient.street_2,
        city=recipient.city,
        state=recipient.state,
        zip_code=recipient.zip_code,
        phone=recipient.phone,
        email=recipient.email,
    )


def _forms_blank_maker(job: ExportJob, progress):
    count = int(job.params.get("count", 10))
    if not 1 <= count <= MAX_BLANK_FORMS:
        raise ExportError(_("Print 1 to %(n)s forms at a time.") % {"n": MAX_BLANK_FORMS})
    ExportJob.objects.filter(pk=job.pk).update(total=count)
    numbers = _issue_numbers(count=count, location=job.location, by=job.requested_by)
    pages = [documents.RegistrationPage(form_number=number) for number in numbers]

    def fill(target):
        target.write(documents.registration_forms_pdf(pages, heading=_heading(job.location)))
        progress(count)

    return f"forms-{job.location.pk}-{timezone.localdate():%Y%m%d}.pdf", fill


def _forms_clinic_maker(job: ExportJob, progress):
    clinic = job.clinic
    appointments = list(
        Appointment.objects.filter(slot__clinic=clinic, status=AppointmentStatus.BOOKED)
        .select_related("recipient", "slot")
        .order_by("slot__starts_at", "recipient__last_name", "id")
    )
    ExportJob.objects.filter(pk=job.pk).update(total=len(appointments))
    numbers = _issue_numbers(
        count=len(appointments),
        location=clinic.location,
        by=job.requested_by,
        clinic=clinic,
        recipients=[a.recipient for a in appointments],
    )
    pages = [
        documents.RegistrationPage(
            form_number=number,
            person=documents.PrefilledPerson(
                **{
                    **_person(a.recipient).__dict__,
                    "appointment": timezone.localtime(a.slot.starts_at),
                    "dose_number": a.dose_number,
                }
            ),
        )
        for number, a in zip(numbers, appointments, strict=True)
    ]

    def fill(target):
        target.write(documents.registration_forms_pdf(pages, heading=_heading(clinic.location, clinic)))
        progress(len(pages))

    return f"clinic-{clinic.pk}-forms.pdf", fill


def _inventory_levels_maker(job: ExportJob, progress):
    location = job.location
    stocks = stock_levels(location=location)
    sheet = documents.InventoryLevelsSheet(
        organization=location.organization.name,
        location=location.name,
        pin=location.organization.pin or "",
        printed_on=timezone.localdate(),
        lines=tuple(
            documents.InventoryLine(
                product=stock.lot.product.name,
                ndc=stock.lot.product.ndc,
                lot_number=stock.lot.number,
                expires_on=stock.lot.expires_on,
                ledger_on_hand=stock.on_hand,
            )
            for stock in stocks
        ),
        waste_reasons=tuple(str(label) for label in WasteReason.labels),
    )

    def fill(target):
        target.write(documents.inventory_levels_pdf(sheet))
        progress(len(sheet.lines))

    return f"inventory-levels-{location.pk}-{timezone.localdate():%Y%m%d}.pdf", fill


_MAKERS = {
    ExportKind.CVRS: _cvrs_maker,
    ExportKind.HL7: _hl7_maker,
    ExportKind.FORMS_BLANK: _forms_blank_maker,
    ExportKind.FORMS_CLINIC: _forms_clinic_maker,
    ExportKind.INVENTORY_LEVELS: _inventory_levels_maker,
}


def jobs_expired_delete(*, now=None) -> int:
    """Delete the files of jobs past their expiry (the rows stay, as the trail of what was made)."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lt=now).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count
