"""The person's requests about an upload: send a file, then import its valid rows or discard it."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit
from cvms.models import User
from employers.enums import FileFormat, UploadStatus
from employers.models import RosterRow, RosterUpload
from employers.rosterfiles.formats import detect_format
from employers.rosterfiles.sheets import open_sheet
from employers.services.errors import RosterRefused
from enrollment.models import Organization


@transaction.atomic
def roster_upload_create(
    *, organization: Organization, file, by: User, language: str | None = None, request=None
) -> RosterUpload:
    """Accept a roster file for reading, or raise RosterFileError saying why it is refused.

    The file is checked as a whole here (size, type, that it is what it claims; a workbook
    that would unpack into more than a roster needs; a CSV's header), so the person hears at
    once; the rows are read by a worker after commit. A workbook is never parsed here: openpyxl
    runs in the worker only (whose time and memory are bounded), after the same checks. Row
    errors are written in `language` (the uploader's)."""
    name = file.name or "roster"
    file_format = detect_format(file, name, max_bytes=settings.EMPLOYERS_ROSTER_MAX_BYTES)
    if file_format == FileFormat.CSV:
        sheet = open_sheet(file, file_format)
        sheet.rows.close()  # only the header was needed here
    file.seek(0)
    upload = RosterUpload(
        organization=organization,
        uploaded_by=by,
        original_name=name[:255],
        file_format=file_format,
        language=language or settings.LANGUAGE_CODE,
    )
    upload.file.save(f"{organization.pk}-{secrets.token_hex(8)}.{file_format}", file, save=False)
    upload.save()
    audit(
        action="employers.roster.uploaded",
        by=by,
        target=upload,
        request=request,
        data={"organization": organization.pk, "file": name, "size": file.size, "format": file_format},
    )
    from employers.tasks import roster_validate

    outbox.enqueue(roster_validate, long_job=True, upload_id=upload.pk)
    return upload


@transaction.atomic
def roster_upload_import(
    *, upload: RosterUpload, by: User, changes_confirmed: bool = False, request=None
) -> None:
    """The person chose to import the valid rows: a worker does it after commit. When the
    upload changes people already on the roster, the person must have confirmed those changes
    (`changes_confirmed`), which the upload's page lists."""
    if upload.rows_updated and not changes_confirmed:
        raise RosterRefused(
            _(
                "This roster changes people already on the roster. Check the changes listed "
                "below, then tick the box to confirm them."
            )
        )
    claimed = RosterUpload.objects.filter(pk=upload.pk, status=UploadStatus.VALIDATED).update(
        status=UploadStatus.IMPORTING, progress=0, claimed_at=timezone.now(), attempts=0, failure=""
    )
    if not claimed:
        raise RosterRefused(
            _("This roster can't be imported now: it has already been imported or discarded.")
        )
    audit(
        action="employers.roster.import_requested",
        by=by,
        target=upload,
        request=request,
        data={"changes_confirmed": upload.rows_updated if changes_confirmed else 0},
    )
    from employers.tasks import roster_import

    outbox.enqueue(roster_import, long_job=True, upload_id=upload.pk, by_id=by.pk)


@transaction.atomic
def roster_upload_discard(*, upload: RosterUpload, by: User, request=None) -> None:
    """The person chose to import nothing: the staged rows go, the roster is untouched."""
    claimed = RosterUpload.objects.filter(pk=upload.pk, status=UploadStatus.VALIDATED).update(
        status=UploadStatus.DISCARDED, finished_at=timezone.now()
    )
    if not claimed:
        raise RosterRefused(
            _("This roster can't be discarded now: it has already been imported or discarded.")
        )
    RosterRow.objects.filter(upload=upload).delete()
    audit(action="employers.roster.discarded", by=by, target=upload, request=request)
