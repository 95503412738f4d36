"""Files made from the records: the registry exports (CVRS, HL7), the printed offline forms and
reports (printouts.py).

The writers stream, so a million doses take the memory of a few thousand: the CVRS lines and
the HL7 messages come from PostgreSQL's `COPY (...) TO STDOUT` (`selectors.formatted`), straight
to the file; Python formats only the records whose values need its care. The state portal
and the provider portal request a file as an `ExportJob`; a Celery task (promised through the
outbox, cvms/outbox.py) runs it, updating its progress, and stores the file privately with an
expiry. The management commands call the same writers.

The HL7 export keeps track of what was sent: each record's `version` written to the file is
noted in a side file (its Hl7Message row, so memory stays flat), and only once the batch file
is complete are those records marked sent (their `Hl7Sent` rows), in one transaction, and only at
the version written: a record corrected meanwhile stays due and goes in the next run.

Over 450 lines: the registry writers and the export jobs that run them (each job kind's
maker calls a writer); the jobs are the part to move to their own module next.
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

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import REGISTRY_EXPORTS, AppointmentStatus, ExportKind, ExportStatus
from administration.models import (
    AdministrationRecord,
    Appointment,
    Clinic,
    CvrsFile,
    ExportJob,
    Hl7Batch,
    Hl7Message,
    Hl7Sent,
    OfflineForm,
)
from administration.offline import documents
from administration.offline.numbers import form_number_new
from administration.reporting import cvrs, hl7
from administration.selectors import formatted
from administration.selectors import reporting as report_selectors
from administration.services import printouts
from cvms import outbox
from cvms.audit import audit
from cvms.dbrouter import for_reports
from cvms.emails import CLAIM_TIMEOUT
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


def _cvrs_record_lines(
    *,
    start: date | None,
    end: date | None,
    day: date | None,
    extract_type: cvrs.ExtractType,
    report: cvrs.Report,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The lines of a range's doses (by the day given) or of a daily file (created or changed
    that day), formatted by PostgreSQL, noting in the report what can't go as recorded, what a
    daily file sends again and what it can't carry."""
    if day is None:
        # A period's extract only reads: from the replica when there is one (cvms/dbrouter.py).
        # A day's file stays on the primary: it must see every change of the day.
        records = for_reports(report_selectors.records_between(start=start, end=end))
    else:
        records = report_selectors.records_of_day(day=day)
    lines = formatted.cvrs_record_lines(records, extract_type=extract_type, report=report, day=day)
    # Every record counts as done, the ones left out (None, in the report) too.
    yield from (line for line in _counted(lines, progress) if line is not None)
    if day is None:
        return
    for pk, created_at in report_selectors.records_voided_after_reporting(day=day).values_list(
        "pk", "created_at"
    ):
        report.note(
            "not_sendable",
            f"CVMS-{pk}: voided on {day}, first reported on {timezone.localdate(created_at)}",
        )


def cvrs_write(
    out: TextIO,
    *,
    extract_type: cvrs.ExtractType,
    start: date | None = None,
    end: date | None = None,
    day: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> CvrsResult:
    """Write a CVRS file: the doses and refusals given from `start` to `end`, or the daily file
    of `day` (`records_of_day`: created or changed that day, whenever given).

    A record that can't be expressed as recorded doesn't stop the file: what the specification
    lets us leave empty is left empty, a record still invalid is left out, and both are listed in
    the result's report for the person sending the file, with (for a daily file) the records
    sent again after a change and the voids a CVRS file can't carry."""
    if (day is None) == (start is None or end is None):
        raise ValueError("Give a day, or a start and an end.")
    result = CvrsResult(records=0)
    out.write(cvrs.cvrs_header())
    lines = _cvrs_record_lines(
        start=start, end=end, day=day, extract_type=extract_type, report=result.report, progress=progress
    )
    for line in lines:
        out.write(line)
        result.records += 1
    return result


def cvrs_file_take(*, reported_on: date, extract_type: cvrs.ExtractType, records: int = 0) -> CvrsFile:
    """The next number of `reported_on`'s CVRS files (01, 02, ...), taken for good: a second
    export of a day never reuses a name. The unique constraint settles two exports at once."""
    for _attempt in range(10):
        last = CvrsFile.objects.filter(reported_on=reported_on).order_by("-sequence").first()
        sequence = (last.sequence if last else 0) + 1
        if sequence > 99:
            raise ExportError(_("A day has at most 99 CVRS files."))
        name = cvrs.cvrs_file_name(
            reported_on=reported_on, sequence=sequence, entity=settings.CVRS_SUBMITTER_CODE
        )
        try:
            with transaction.atomic():
                return CvrsFile.objects.create(
                    reported_on=reported_on,
                    sequence=sequence,
                    name=name,
                    records=records,
                    extract_type=extract_type,
                )
        except IntegrityError:
            continue  # another export took this number meanwhile
    raise ExportError(_("Too many CVRS files are being made at once; try again."))


@dataclass
class CvrsDailyResult:
    files: list[tuple[Path, int]]  # each file written and its records
    report: cvrs.Report


def cvrs_daily_write(
    *, day: date, directory: str | os.PathLike, extract_type: cvrs.ExtractType
) -> CvrsDailyResult:
    """The daily CVRS file(s) of `day` in `directory`, named yyyymmdd_NN_AAA.txt with the day's
    next numbers, at most 200,000 records each (a day with nothing to report still has its file,
    the header alone). The files appear, and their numbers are taken, only once all are written."""
    directory = Path(directory)
    report = cvrs.Report()
    parts: list[list] = []  # [temporary path, records]

    def write_part(lines) -> None:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".cvrs-", suffix=".part")
        parts.append([temporary, 0])
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
                parts[-1][1] += 1
            out.flush()
            os.fsync(out.fileno())
        parts[-1][1] -= 1  # the header

    try:
        records = _cvrs_record_lines(start=None, end=None, day=day, extract_type=extract_type, report=report)
        for lines in cvrs.cvrs_split_lines(records):
            write_part(lines)
        if not parts:
            write_part([cvrs.cvrs_header()])
        files = []
        with transaction.atomic():
            for temporary, records in parts:
                taken = cvrs_file_take(reported_on=day, extract_type=extract_type, records=records)
                os.replace(temporary, directory / taken.name)
                files.append((directory / taken.name, records))
        return CvrsDailyResult(files=files, report=report)
    except BaseException:
        for temporary, _records in parts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        raise


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
    # The side file holds the batch's Hl7Message rows in COPY's text format, for hl7_mark_sent.
    sent = tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115 - closed by hl7_mark_sent
    sent_line = f"{batch.pk}\t{batch.label}-{{n}}\t{{pk}}\t{{version}}\t\t\n"

    sender = hl7_sender()
    count = 0

    def noted():
        nonlocal count
        messages = formatted.hl7_record_messages(
            records, sender=sender, now=now, control_id=lambda n: f"{batch.label}-{_base36(n)}"
        )
        for count, (pk, version, message) in enumerate(messages, start=1):
            sent.write(sent_line.format(n=_base36(count), pk=pk, version=version))
            yield message

    pieces = hl7.vxu_batch_wrapped(_counted(noted(), progress), batch_id=batch.label, now=now, sender=sender)
    for piece in pieces:
        out.write(piece)
    return Hl7Result(messages=count, batch=batch, sent_file=sent)


_HL7_MESSAGE_COLUMNS = ("batch_id", "control_id", "record_id", "version", "ack_code", "errors")


@transaction.atomic
def hl7_mark_sent(result: Hl7Result) -> None:
    """Keep each message written (its control id, record and version, for the acknowledgements)
    and mark the records sent at the version written, in one transaction. A record changed since
    it was written stays due; a record refused at this version waits no more.

    Two statements for the whole batch, however large: the messages COPied from the side file,
    then the sent marks (`Hl7Sent`) written from them by one INSERT ... SELECT. The marks are a
    narrow table of their own: an UPDATE of the records themselves rewrote each row and its ~16
    index entries (about 45 us a record, more than writing the file)."""
    batch = result.batch
    result.sent_file.seek(0)
    messages = connection.ops.quote_name(Hl7Message._meta.db_table)
    records = connection.ops.quote_name(AdministrationRecord._meta.db_table)
    marks = connection.ops.quote_name(Hl7Sent._meta.db_table)
    columns = ", ".join(_HL7_MESSAGE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY {messages} ({columns}) FROM STDIN") as copy:
                while block := result.sent_file.read(1 << 16):
                    copy.write(block)
        else:  # SQLite (`make run`): the side file's rows inserted one statement each
            values = ", ".join(["%s"] * len(_HL7_MESSAGE_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {messages} ({columns}) VALUES ({values})",  # noqa: S608
                [line.rstrip("\n").split("\t") for line in result.sent_file],
            )
        # Only at the version written: a record changed since stays due. (PostgreSQL and SQLite
        # both take this upsert.)
        cursor.execute(
            f"INSERT INTO {marks} (record_id, version, batch_id, sent_at) "  # noqa: S608
            f"SELECT m.record_id, m.version, m.batch_id, %s FROM {messages} AS m "
            f"JOIN {records} AS r ON r.id = m.record_id AND r.version = m.version WHERE m.batch_id = %s "
            "ON CONFLICT (record_id) DO UPDATE "
            "SET version = excluded.version, batch_id = excluded.batch_id, sent_at = excluded.sent_at",
            [batch.created_at, batch.pk],
        )
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
        outbox.enqueue(tasks.export_run, queue=_queue_for(kind), job_id=job.pk)
    return job


def _queue_for(kind: str) -> str:
    """Printed forms go to the PDF workers; registry files to the route the settings give
    `export_run` (the exports queue). A PDF of a clinic's forms never waits behind a
    million-dose export, nor the other way round."""
    return "" if kind in REGISTRY_EXPORTS else settings.PDF_QUEUE


def _claim(job_id: int) -> ExportJob | None:
    """The job, if this worker is the one to run it (a retried task finds it taken or done)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING, claimed_at=timezone.now()
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
    except SoftTimeLimitExceeded:
        # The worker's soft time limit: stop cleanly; running it again would take as long.
        logger.warning("Export job %s took too long", job.pk)
        connection.close()  # the signal may have cut a statement short: start afresh
        return _job_fail(
            job,
            _("Making the file took longer than the %(minutes)s minutes allowed. Ask for a shorter period.")
            % {"minutes": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60},
        )
    except Exception as failure:  # any failure is the job's: shown to the person, logged
        logger.exception("Export job %s failed", job.pk)
        return _job_fail(job, str(failure))
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


def _job_fail(job: ExportJob, message: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


# How many times the sweep hands one job to a new worker before it gives up.
MAX_HANDOVERS = 3


def jobs_sweep(*, now=None) -> int:
    """Jobs that no live worker holds, handed to a worker again (run every minute): a pending
    job whose task was lost with the broker's data is published again; a running job claimed
    longer ago than the hard time limit allows lost its worker and goes back to pending (a few
    times at most, then it fails with a message). Returns how many were published."""
    from administration import tasks  # tasks import this module

    now = now or timezone.now()
    lost = ExportJob.objects.annotate(since=Coalesce("claimed_at", "created_at")).filter(
        status=ExportStatus.PENDING, since__lt=now - CLAIM_TIMEOUT
    )
    dead = Q(status=ExportStatus.RUNNING) & (
        Q(claimed_at__lt=now - outbox.job_stale_after()) | Q(claimed_at__isnull=True)
    )
    ExportJob.objects.filter(dead, attempts__gte=MAX_HANDOVERS).update(
        status=ExportStatus.FAILED,
        error=_("Making the file stopped %(count)s times without finishing. Ask for it again.")
        % {"count": MAX_HANDOVERS + 1},
        finished_at=now,
    )
    with transaction.atomic():
        jobs = list(lost.values_list("pk", "kind")[: outbox.SWEEP_BATCH])
        jobs += ExportJob.objects.filter(dead).values_list("pk", "kind")[: outbox.SWEEP_BATCH]
        ids = [job_id for job_id, _kind in jobs]
        # claimed_at marks when it was published again: not again before the next timeout.
        ExportJob.objects.filter(dead, pk__in=ids).update(
            status=ExportStatus.PENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        ExportJob.objects.filter(pk__in=ids, status=ExportStatus.PENDING).update(claimed_at=now)
        for job_id, kind in jobs:
            outbox.enqueue(tasks.export_run, queue=_queue_for(kind), job_id=job_id)
    return len(ids)


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
    """A daily file (`day`: records created or changed that day) or a period's (`start`, `end`:
    by the day given), de-identified unless the job asks for an identified extract."""
    day = date.fromisoformat(job.params["day"]) if job.params.get("day") else None
    start = date.fromisoformat(job.params["start"]) if not day else None
    end = date.fromisoformat(job.params["end"]) if not day else None
    selection = (
        report_selectors.records_of_day(day=day)
        if day
        else report_selectors.records_between(start=start, end=end)
    )
    ExportJob.objects.filter(pk=job.pk).update(total=selection.count())
    extract_type = cvrs.ExtractType(job.params.get("extract_type", cvrs.ExtractType.DEIDENTIFIED))
    # The day's next number, taken now: a job that fails leaves a gap in the day's numbers,
    # never a second file of the same name.
    taken = cvrs_file_take(reported_on=day or timezone.localdate(), extract_type=extract_type)

    def fill(target):
        result = _text_into(
            target,
            lambda out: cvrs_write(
                out, start=start, end=end, day=day, extract_type=extract_type, progress=progress
            ),
        )

        def after():
            CvrsFile.objects.filter(pk=taken.pk).update(records=result.records)
            # What the file couldn't carry is shown on the job's page, beside the download.
            ExportJob.objects.filter(pk=job.pk).update(notes=result.report.text())

        return after

    return taken.name, fill


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
    ExportKind.WASTAGE_REPORT: printouts.wastage_report_maker,
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
