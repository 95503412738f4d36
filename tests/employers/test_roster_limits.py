"""A roster file can't take the site down (issue 13, finding 5): a workbook that would unpack into
more than a roster needs (a zip bomb) is refused before anything unpacks it, in the request and
again in the worker; a workbook is parsed by the worker only; no roster has more rows than the
limit."""

import io
import time
import zipfile

import pytest
from django.urls import reverse

from employers.enums import UploadStatus
from employers.models import RosterRow, RosterUpload
from employers.rosterfiles.errors import RosterFileError
from employers.services.staging import roster_upload_validate
from employers.services.uploads import roster_upload_create
from tests.employers.conftest import FILES, roster_file
from tests.employers.factories import RosterUploadFactory
from tests.employers.helpers import upload_roster

SHEET = "xl/worksheets/sheet1.xml"
STYLES = "xl/styles.xml"
RATIO_REFUSAL = "The workbook is packed more tightly than a spreadsheet can be"


def workbook(*, padding_mb: int = 0, rows: int | None = None, sheet: bytes | None = None) -> bytes:
    """tests/employers/files/roster.xlsx, a valid workbook, with its styles padded by `padding_mb`
    of blanks (valid XML, which unpacks a thousand times bigger than it packs: a zip bomb; the
    styles are parsed whole as the workbook opens), or its sheet declaring `rows` rows in its
    dimension, or replaced by `sheet`."""
    source = zipfile.ZipFile(FILES / "roster.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part)
            if part.filename == SHEET and sheet is not None:
                data = sheet
            if part.filename == SHEET and rows is not None:
                data = data.replace(b'<dimension ref="A1:G6" />', b'<dimension ref="A1:G%d" />' % rows)
            if part.filename == STYLES and padding_mb:
                head, tail = data.rsplit(b"</", 1)
                with target.open(part.filename, "w") as styles:
                    styles.write(head)
                    for _ in range(padding_mb):
                        styles.write(b" " * 1024 * 1024)
                    styles.write(b"</" + tail)
                continue
            target.writestr(part, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_at_once_on_the_form_and_never_unpacked(client, employer, employer_admin):
    bomb = workbook(padding_mb=300)  # 300 MB of blanks, packed into a few hundred KB
    assert len(bomb) < 1024 * 1024
    client.force_login(employer_admin)

    started = time.monotonic()
    response = client.post(reverse("employer:employers.uploads"), {"file": roster_file("bomb.xlsx", bomb)})
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert RATIO_REFUSAL in response.content.decode()
    assert elapsed < 2
    assert not RosterUpload.objects.exists()


def test_a_workbook_that_would_unpack_past_the_limit_is_refused_naming_it(settings, employer, employer_admin):
    settings.EMPLOYERS_ROSTER_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    settings.EMPLOYERS_ROSTER_MAX_RATIO = 10_000  # the total alone refuses it

    with pytest.raises(RosterFileError) as refused:
        roster_upload_create(
            organization=employer, file=roster_file("big.xlsx", workbook(padding_mb=3)), by=employer_admin
        )

    assert str(refused.value) == (
        "The workbook would take 3.0 MB once unpacked; the largest accepted is 2.0 MB. "
        "Split it into smaller files, or save it as CSV."
    )


def test_a_bomb_that_reaches_the_worker_is_refused_there_before_it_is_parsed(employer):
    # Stored without the request's checks (a file from before them, or put there by hand).
    upload = RosterUploadFactory(organization=employer, status=UploadStatus.QUEUED, file_format="xlsx")
    upload.file.save("bomb.xlsx", io.BytesIO(workbook(padding_mb=300)))

    started = time.monotonic()
    roster_upload_validate(upload_id=upload.pk)

    upload.refresh_from_db()
    assert time.monotonic() - started < 2
    assert upload.status == UploadStatus.FAILED
    assert upload.failure.startswith(RATIO_REFUSAL)


def test_a_workbook_is_parsed_by_the_worker_not_in_the_request(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    # A sound archive whose sheet is cut short: only parsing it could tell.
    damaged = workbook(
        sheet=b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c'
    )
    with django_capture_on_commit_callbacks(execute=False):
        upload = roster_upload_create(
            organization=employer, file=roster_file("roster.xlsx", damaged), by=employer_admin
        )
    assert upload.status == UploadStatus.QUEUED  # accepted at once: the worker will parse it

    roster_upload_validate(upload_id=upload.pk)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failure == "The Excel workbook can't be read: it may be damaged."


def test_a_workbook_declaring_more_rows_than_the_limit_is_refused_before_they_are_read(
    settings, employer, employer_admin, django_capture_on_commit_callbacks
):
    settings.EMPLOYERS_ROSTER_MAX_ROWS = 1000

    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="long.xlsx",
        content=workbook(rows=1_048_576),
    )

    assert upload.status == UploadStatus.FAILED
    assert upload.failure == (
        "The roster has more than 1,000 rows, the most accepted in one file. Split it into smaller files."
    )


def test_a_csv_with_more_rows_than_the_limit_is_refused_and_nothing_is_kept(
    settings, employer, employer_admin, django_capture_on_commit_callbacks
):
    settings.EMPLOYERS_ROSTER_MAX_ROWS = 3
    content = b"first name,last name,email,date of birth\n" + b"".join(
        b"Ana,Garcia,ana%d@example.org,1980-01-01\n" % n for n in range(4)
    )

    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="r.csv",
        content=content,
    )

    assert upload.status == UploadStatus.FAILED
    assert upload.failure == (
        "The roster has more than 3 rows, the most accepted in one file. Split it into smaller files."
    )
    assert not RosterRow.objects.filter(upload=upload).exists()


def test_a_roster_at_the_row_limit_is_read(
    settings, employer, employer_admin, django_capture_on_commit_callbacks
):
    settings.EMPLOYERS_ROSTER_MAX_ROWS = 3
    content = b"first name,last name,email,date of birth\n" + b"".join(
        b"Ana,Garcia,ana%d@example.org,1980-01-01\n" % n for n in range(3)
    )

    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="r.csv",
        content=content,
    )

    assert (upload.status, upload.rows_valid) == (UploadStatus.VALIDATED, 3)
