"""Reading an upload in a worker: every row checked, the valid ones staged, every error recorded."""

import logging
import sys

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms.audit import audit
from employers.enums import FileFormat, UploadStatus
from employers.models import RosterError, RosterRow, RosterUpload
from employers.rosterfiles.checks import RowChecker
from employers.rosterfiles.errors import RosterFileError
from employers.rosterfiles.sheets import is_blank, open_sheet
from employers.services.changes import upload_compare
from enrollment.models import PriorityGroup

logger = logging.getLogger(__name__)

# Rows are written to the staging table (and progress reported) this many at a time.
CHUNK_ROWS = 20_000
STAGING_COLUMNS = (
    "upload_id", "line", "first_name", "last_name", "email", "phone", "date_of_birth",
    "priority_group_id", "occupation", "language",
)  # fmt: skip


def roster_upload_validate(*, upload_id: int) -> None:
    """Read every row of an upload, check it, and stage the valid ones.

    Runs in a worker, outside one big transaction on purpose: the staged rows and the progress
    are committed chunk by chunk so that the page can show progress; nothing reaches the roster
    until the person chooses to import."""
    claimed = RosterUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(
        status=UploadStatus.VALIDATING, progress=0, claimed_at=timezone.now()
    )
    if not claimed:
        return  # gone, or another worker has it
    upload = RosterUpload.objects.get(pk=upload_id)
    # What an earlier worker staged before it died (the sweep requeued the upload) is read again.
    RosterRow.objects.filter(upload=upload).delete()
    RosterError.objects.filter(upload=upload).delete()
    try:
        with translation.override(upload.language):
            _validate(upload)
    except RosterFileError as error:
        _upload_fail(upload, str(error))
    except SoftTimeLimitExceeded:
        # The worker's soft time limit: stop cleanly. Reading it again would take as long.
        logger.warning("Reading roster upload %s took too long", upload_id)
        connection.close()  # the signal may have cut a statement short: start afresh
        with translation.override(upload.language):
            _upload_fail(upload, too_long_message())
    except Exception:
        logger.exception("Reading roster upload %s failed", upload_id)
        with translation.override(upload.language):
            _upload_fail(upload, _("The file couldn't be read. Check that it is a roster and try again."))


def too_long_message() -> str:
    return _(
        "Reading the file took longer than the %(minutes)s minutes allowed, and nothing was kept. "
        "Split it into smaller files."
    ) % {"minutes": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60}


def _upload_fail(upload: RosterUpload, message: str) -> None:
    RosterRow.objects.filter(upload=upload).delete()
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.FAILED, failure=message, finished_at=timezone.now()
    )


def _validate(upload: RosterUpload) -> None:
    groups = {code.lower(): pk for pk, code in PriorityGroup.objects.values_list("pk", "code")}
    with upload.file.open("rb") as stored:
        raw = getattr(stored, "file", stored)
        sheet = open_sheet(raw, upload.file_format, max_rows=settings.EMPLOYERS_ROSTER_MAX_ROWS)
        checker = RowChecker(
            columns=sheet.columns,
            headers=sheet.headers,
            groups=groups,
            minimum_age=settings.EMPLOYERS_MINIMUM_AGE,
            today=timezone.localdate(),
            counts_cells=upload.file_format == FileFormat.CSV,
        )
        staging = _Staging(upload.pk)
        fast, check, blank = checker.fast, checker.check, is_blank
        errors = []
        read = invalid = 0
        try:
            write = staging.open()
            for line, cells in sheet.rows:
                row = fast(line, cells)
                if row is None:  # blank, invalid, or valid in a way the fast path doesn't know
                    if blank(cells):
                        continue
                    clean, row_errors = check(line, cells)
                    if clean is None:
                        invalid += 1
                        errors.extend(row_errors)
                    else:
                        write(clean.as_tuple())
                else:
                    write(row)
                read += 1
                if read % CHUNK_ROWS == 0:
                    # Between chunks: store them and their errors (memory stays flat however
                    # long the file), and show how far the reading has got.
                    staging.close()
                    _errors_save(upload, errors)
                    errors = []
                    RosterUpload.objects.filter(pk=upload.pk).update(
                        progress=min(int(sheet.progress() * 95), 95)
                    )
                    write = staging.open()
        finally:
            staging.close()
    sheet.rows.refuse_if_over()
    _errors_save(upload, errors)
    duplicates = _duplicates_remove(upload)
    valid = RosterRow.objects.filter(upload=upload).count()
    # What the import would change, shown to the person before they choose to import.
    comparison = upload_compare(upload)
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATED,
        progress=100,
        rows_read=read,
        rows_valid=valid,
        rows_invalid=invalid + duplicates,
        rows_new=valid - comparison.on_roster,
        rows_updated=comparison.changed,
        rows_unchanged=comparison.on_roster - comparison.changed,
        field_changes=comparison.by_field,
        validated_at=timezone.now(),
    )
    audit(
        action="employers.roster.validated",
        by=None,
        target=upload,
        data={
            "read": read,
            "valid": valid,
            "invalid": invalid + duplicates,
            "updated": comparison.changed,
            "unchanged": comparison.on_roster - comparison.changed,
        },
    )


class _Staging:
    """Writes checked rows to the staging table as they are read, a chunk at a time (between
    chunks, with no COPY open, the progress is saved). On PostgreSQL each chunk is one COPY
    stream fed row by row, with no list of rows in between; elsewhere (SQLite for `make run`),
    bulk_create per chunk."""

    def __init__(self, upload_id: int):
        self.upload_id = upload_id
        self.postgres = connection.vendor == "postgresql"
        self._copy = None
        self._rows: list[tuple] = []

    def open(self):
        """Start a chunk; return the function that writes one row to it."""
        upload_id = self.upload_id
        if not self.postgres:
            append = self._rows.append
            return lambda row: append(row)
        cursor = connection.cursor().cursor
        self._copy = cursor.copy(f"COPY {RosterRow._meta.db_table} ({', '.join(STAGING_COLUMNS)}) FROM STDIN")
        write_row = self._copy.__enter__().write_row
        return lambda row: write_row((upload_id, *row))

    def close(self) -> None:
        """Store the current chunk; called with an exception pending, abandon its COPY."""
        if self.postgres:
            copy, self._copy = self._copy, None
            if copy is not None:
                copy.__exit__(*sys.exc_info())
        elif self._rows:
            RosterRow.objects.bulk_create(
                [
                    RosterRow(upload_id=self.upload_id, **dict(zip(STAGING_COLUMNS[1:], row, strict=True)))
                    for row in self._rows
                ],
                batch_size=500,
            )
            self._rows.clear()


def _errors_save(upload: RosterUpload, errors: list) -> None:
    RosterError.objects.bulk_create(
        [
            RosterError(
                upload=upload, line=e.line, column=e.column[:100], value=e.value, message=e.message[:300]
            )
            for e in errors
        ],
        batch_size=2000,
    )


def _duplicates_remove(upload: RosterUpload) -> int:
    """A person (an e-mail address) named twice in one file: the first row stands, the later
    ones are errors. Done in SQL so that memory doesn't grow with the file."""
    table = RosterRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id, line, email, first_line FROM (
                    SELECT id, line, email, min(line) OVER (PARTITION BY email) AS first_line
                    FROM {table} WHERE upload_id = %s) AS numbered
                WHERE line > first_line ORDER BY line""",  # noqa: S608 (table name from the model)
            [upload.pk],
        )
        duplicates = cursor.fetchall()
    if not duplicates:
        return 0
    RosterError.objects.bulk_create(
        [
            RosterError(
                upload=upload,
                line=line,
                column=_("E-mail"),
                value=email[:200],
                message=_("This person is already on line %(line)s of the file.") % {"line": first_line},
            )
            for _id, line, email, first_line in duplicates
        ],
        batch_size=2000,
    )
    ids = [row[0] for row in duplicates]
    for start in range(0, len(ids), 500):
        RosterRow.objects.filter(pk__in=ids[start : start + 500]).delete()
    return len(duplicates)
