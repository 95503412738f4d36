"""Files made from the records: the registry exports (CVRS, HL7) and the printed offline forms.

The writers stream: rows come from a server-side cursor (`selectors.reporting.dose_reports`) and go
straight to the file, so a million doses take the memory of a few thousand. The state portal
and the provider portal request a file as an `ExportJob`; a Celery task (promised through the
outbox, cvms/outbox.py) runs it, updating its progress, and stores the file privately with an
expiry. The management commands call the same writers.

The HL7 export keeps track of what was sent: each record's `version` written to the file is
noted in a side file (one line per record, so memory stays flat), and only once the batch file
is complete are those records marked sent (`hl7_sent_version`), in one transaction, and only at
the version written: a record corrected meanwhile stays due and goes in the next run.
"""

import io
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.enums import AppointmentStatus, ExportKind, ExportStatus
from administration.models import AdministrationRecord, Appointment, Clinic, ExportJob, OfflineForm
from administration.offline import documents
from administration.offline.numbers import form_number_new
from administration.reporting import cvrs, hl7
from administration.selectors import reporting as report_selectors
from cvms import outbox
from cvms.audit import audit
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
    )


def _counted(rows, progress: Callable[[int], None] | None):
    count = 0
    for count, row in enumerate(rows, start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield row
    if progress is not None:
        progress(count)


def cvrs_write(
    out: TextIO,
    *,
    start: date,
    end: date,
    extract_type: cvrs.ExtractType = cvrs.ExtractType.IDENTIFIED,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the CVRS file of the doses and refusals given from `start` to `end`; the count."""
    records = report_selectors.records_between(start=start, end=end)
    written = 0
    for line in cvrs.cvrs_lines(
        _counted(report_selectors.dose_reports(records), progress), extract_type=extract_type
    ):
        out.write(line)
        written += 1
    return written - 1  # the header


@dataclass
class Hl7Result:
    messages: int
    sent_file: object  # the side file of "pk version" lines, to mark sent once the batch is delivered


def hl7_write(
    out: TextIO,
    *,
    since_last: bool,
    batch_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Hl7Result:
    """Write an HL7 batch of VXU messages: every standing record, or those new or changed since
    the last run. Call `hl7_mark_sent(result)` once the file is safely stored."""
    now = timezone.now()
    batch_id = batch_id or f"CVMS{now:%Y%m%d%H%M%S}"
    records = report_selectors.records_for_hl7(since_last=since_last)
    sent = tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115 - closed by hl7_mark_sent

    def noted():
        for row in report_selectors.report_rows(records):
            sent.write(f"{row['id']} {row['version']}\n")
            yield report_selectors.dose_report(row, for_hl7=True)

    count = 0
    for piece in hl7.vxu_batch_lines(
        _counted(noted(), progress), batch_id=batch_id, now=now, sender=hl7_sender()
    ):
        out.write(piece)
        if piece.startswith("MSH|"):
            count += 1
    return Hl7Result(messages=count, sent_file=sent)


@transaction.atomic
def hl7_mark_sent(result: Hl7Result) -> None:
    """Mark the records written as sent, at the version written (in batches, one transaction)."""
    result.sent_file.seek(0)
    batch: dict[int, list[int]] = {}

    def flush():
        for version, pks in batch.items():
            AdministrationRecord.objects.filter(pk__in=pks, version=version).update(hl7_sent_version=version)
        batch.clear()

    for n, line in enumerate(result.sent_file, start=1):
        pk, version = (int(part) for part in line.split())
        batch.setdefault(version, []).append(pk)
        if n % report_selectors.CHUNK == 0:
            flush()
    flush()
    result.sent_file.close()


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
        outbox.enqueue(tasks.export_run, job_id=job.pk)
    return job


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
        ids = list(lost.values_list("pk", flat=True)[: outbox.SWEEP_BATCH])
        ids += ExportJob.objects.filter(dead).values_list("pk", flat=True)[: outbox.SWEEP_BATCH]
        # claimed_at marks when it was published again: not again before the next timeout.
        ExportJob.objects.filter(dead, pk__in=ids).update(
            status=ExportStatus.PENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        ExportJob.objects.filter(pk__in=ids, status=ExportStatus.PENDING).update(claimed_at=now)
        for job_id in ids:
            outbox.enqueue(tasks.export_run, job_id=job_id)
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
    start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
    ExportJob.objects.filter(pk=job.pk).update(
        total=report_selectors.records_between(start=start, end=end).count()
    )
    name = cvrs.cvrs_file_name(
        reported_on=timezone.localdate(), sequence=1, entity=settings.CVRS_SUBMITTER_CODE
    )

    def fill(target):
        _text_into(target, lambda out: cvrs_write(out, start=start, end=end, progress=progress))

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
