"""Roster files, real ones from tests/employers/files/: each rule of reading and checking."""

from datetime import date

import pytest

from employers.enums import UploadStatus
from employers.models import Invitee, RosterRow, RosterUpload
from employers.rosterfiles.errors import RosterFileError
from employers.services.uploads import roster_upload_create
from tests.employers.conftest import roster_file
from tests.employers.factories import InviteeFactory
from tests.employers.helpers import errors_of, import_roster, upload_roster


def staged(upload):
    return {row.email: row for row in RosterRow.objects.filter(upload=upload)}


def test_csv_with_bom_header_synonyms_blank_lines_and_both_date_formats_is_read(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )

    assert upload.status == UploadStatus.VALIDATED
    assert (upload.rows_read, upload.rows_valid, upload.rows_invalid) == (3, 3, 0)
    rows = staged(upload)
    ana = rows["ana.garcia@example.org"]  # e-mail stored in lower case
    assert (ana.first_name, ana.last_name, ana.line) == ("Ana", "García", 2)  # the BOM isn't in the header
    assert ana.date_of_birth == date(1985, 4, 23)  # US date
    assert ana.phone == "919-555-0100"
    assert ana.language == "es"
    assert rows["ben.okafor@example.org"].date_of_birth == date(1979, 11, 2)  # ISO date
    assert rows["chloe.nguyen@example.org"].line == 6  # blank lines counted, not read


def test_windows_1252_file_keeps_its_accents(employer, employer_admin, django_capture_on_commit_callbacks):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="windows1252.csv"
    )

    rows = staged(upload)
    assert (rows["jose.nunez@example.org"].first_name, rows["jose.nunez@example.org"].last_name) == (
        "José",
        "Núñez",
    )
    assert rows["jose.nunez@example.org"].language == "es"
    assert rows["zoe.muller@example.org"].first_name == "Zoë"
    assert rows["zoe.muller@example.org"].date_of_birth == date(1988, 12, 31)


def test_each_bad_row_is_reported_by_line_and_column(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="mixed.csv"
    )

    assert (upload.rows_read, upload.rows_valid, upload.rows_invalid) == (10, 2, 8)
    assert errors_of(upload) == [
        (3, "first name", "Required: this cell is empty."),
        (4, "email", "Not a valid e-mail address."),
        (5, "date of birth", "No such date."),
        (6, "date of birth", "The date of birth is in the future."),
        (7, "date of birth", "Younger than 16: people under 16 can't be invited."),
        (8, "priority group", "No such priority group: use one of 1, 2, 3a, 3b, 4a, 4b, 5."),
        (9, "E-mail", "This person is already on line 2 of the file."),
        (11, "date of birth", "Not a date: write it as YYYY-MM-DD or MM/DD/YYYY."),
    ]
    assert set(staged(upload)) == {"dana.lee@example.org", "jo@example.org"}


def test_minimum_age_is_a_setting(settings, employer, employer_admin, django_capture_on_commit_callbacks):
    settings.EMPLOYERS_MINIMUM_AGE = 70

    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="windows1252.csv"
    )

    assert upload.rows_valid == 0
    assert {message for _, _, message in errors_of(upload)} == {
        "Younger than 70: people under 70 can't be invited."
    }


def test_formula_cell_is_stored_as_text(employer, employer_admin, django_capture_on_commit_callbacks):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="mixed.csv"
    )
    import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    jo = Invitee.objects.get(email="jo@example.org")
    assert jo.occupation == '=HYPERLINK("http://evil.example","x")'


def test_xlsx_is_read_with_dates_numbers_formulas_and_synonyms(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="roster.xlsx"
    )

    assert upload.file_format == "xlsx"
    assert (upload.rows_read, upload.rows_valid, upload.rows_invalid) == (4, 3, 1)
    rows = staged(upload)
    assert rows["lupe@example.org"].date_of_birth == date(1975, 7, 4)
    assert rows["lupe@example.org"].phone == "919-555-0111"
    assert rows["lupe@example.org"].last_name == "Ramírez"
    assert rows["max@example.org"].date_of_birth == date(1982, 8, 9)
    assert rows["formula@example.org"].first_name == "=1+1"  # the formula, as text
    assert errors_of(upload) == [(6, "Birth Date", "Younger than 16: people under 16 can't be invited.")]


def test_person_already_on_the_roster_is_updated_not_duplicated(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    InviteeFactory(
        organization=employer, email="ben.okafor@example.org", first_name="Benjamin", occupation=""
    )

    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )
    assert (upload.rows_new, upload.rows_updated) == (2, 1)
    upload = import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    assert (upload.rows_new, upload.rows_updated) == (2, 1)
    assert Invitee.objects.filter(organization=employer).count() == 3
    ben = Invitee.objects.get(organization=employer, email="ben.okafor@example.org")
    assert (ben.first_name, ben.occupation) == ("Ben", "Welder")


def test_same_person_on_another_organizations_roster_is_a_new_person(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    InviteeFactory(email="ben.okafor@example.org")  # another employer's roster

    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )

    assert (upload.rows_new, upload.rows_updated) == (3, 0)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "The file is empty."),
        ("blank_lines_only.csv", "The file has no rows: it is empty."),
        ("not_a_roster.csv", "This doesn't look like a roster: its first row has no column we recognise."),
        ("missing_columns.csv", "The roster has no column for: E-mail, Date of birth."),
        ("fake.xlsx", "The file is named .xlsx but is not an Excel workbook."),
        ("picture.csv", "The file is named .csv but is not a text file."),
        ("roster.pdf", "Rosters must be CSV or Excel (.xlsx) files; “roster.pdf” is neither."),
    ],
)
def test_file_that_is_not_a_roster_is_refused_with_a_clear_message(name, message, employer, employer_admin):
    content = b"%PDF-1.4 not a roster" if name == "roster.pdf" else None

    with pytest.raises(RosterFileError) as refused:
        roster_upload_create(organization=employer, file=roster_file(name, content), by=employer_admin)

    assert str(refused.value).startswith(message)
    assert not RosterUpload.objects.exists()


def test_oversized_file_is_refused_before_it_is_read(settings, employer, employer_admin):
    settings.EMPLOYERS_ROSTER_MAX_BYTES = 1024 * 1024
    content = (
        b"first name,last name,email,date of birth\n" + b"Ana,Garcia,ana@example.org,1980-01-01\n" * 30_000
    )

    with pytest.raises(RosterFileError) as refused:
        roster_upload_create(organization=employer, file=roster_file("big.csv", content), by=employer_admin)

    assert str(refused.value) == (
        "The file is 1.1 MB; the largest roster accepted is 1.0 MB. Split it into smaller files."
    )
    assert not RosterUpload.objects.exists()


# The fast path (plainly valid rows) and the full check must agree on every row: the fast path
# remembers the dates, groups and languages it has seen, so each row is checked twice over.
ROWS = [
    ["Ana", "García", "Ana@Example.org", "(919) 555-0100", "4/23/1985", "Group 1A", "Nurse", "Spanish"],
    ["Ben", "Okafor", "ben@example.org", "919-555-0101", "1979-11-02", "", "", "en"],
    ["Ben", "Okafor", "ben2@example.org", "919-555-0101", "1979-11-02", "", "", "en"],
    ["Cy", "Doe", "cy@example.org", "", "2/30/1980", "1a", "", ""],  # no such date
    ["Cy", "Doe", "cy2@example.org", "", "2/30/1980", "1a", "", ""],  # the same cell again
    ["Di", "Roe", "di@example.org", "", "2020-01-01", "1a", "", ""],  # too young
    ["Ed", "Poe", "ed@example.org", "555", "1970-01-01", "9z", "", "French"],
    ["Fay", "", "fay@example", "", "", "", "", ""],
    ["Gil", "Lee", "gil@example.org", "1-919-555-0102", " 1970-1-5 ", " 1A ", "", " ES "],
]


@pytest.mark.parametrize("memo_size", [50_000, 1])
def test_fast_path_agrees_with_the_full_check(monkeypatch, memo_size):
    from employers.rosterfiles import checks
    from employers.rosterfiles.columns import COLUMNS, TEMPLATE_HEADERS

    monkeypatch.setattr(checks, "MEMO_SIZE", memo_size)
    checker = checks.RowChecker(
        columns={column: position for position, column in enumerate(COLUMNS)},
        headers=list(TEMPLATE_HEADERS.values()),
        groups={"1a": 11},
        minimum_age=16,
        today=date(2026, 11, 29),
    )
    fast_rows = [checker.fast(line, cells) for line, cells in enumerate(ROWS * 2, start=2)]
    full_rows = []
    for line, cells in enumerate(ROWS * 2, start=2):
        clean, _errors = checker.check(line, cells)
        full_rows.append(clean.as_tuple() if clean else None)

    assert full_rows[0] == (
        2,
        "Ana",
        "García",
        "ana@example.org",
        "919-555-0100",
        date(1985, 4, 23),
        11,
        "Nurse",
        "es",
    )
    valid = [True, True, True, False, False, False, False, False, True]  # ROWS, as the full check sees them
    assert [row is not None for row in full_rows] == valid * 2
    # Where the fast path says valid, it says exactly what the full check says.
    assert [fast for fast in fast_rows if fast is not None] == [
        full for fast, full in zip(fast_rows, full_rows, strict=True) if fast is not None
    ]
    assert all(fast is None for fast, full in zip(fast_rows, full_rows, strict=True) if full is None)
    assert sum(fast is not None for fast in fast_rows) >= 6  # and it does take the common rows


def test_line_with_a_cell_too_many_or_too_few_is_reported_as_such(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    content = (
        b"first name,last name,email,date of birth,priority group,occupation\n"
        b"Dana,Lee,dana@example.org,1985-01-15,3b,Driver\n"
        b"Jo,Fox,jo@example.org,1960-03-03,2,=SUM(A1,B1)\n"  # an unquoted formula: 7 cells
        b"Kim,Gray,kim@example.org,1970-05-05\n"  # cut short: 4 cells
        b"Lu,Hay,lu@example.org,1970-05-05,,,,\n"  # blank cells past the header are fine
    )

    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="r.csv",
        content=content,
    )

    assert errors_of(upload) == [
        (
            3,
            "",
            "This line has 7 cells, the header has 6: a cell may hold a comma without quotes around "
            "it, or the line may be cut short.",
        ),
        (
            4,
            "",
            "This line has 4 cells, the header has 6: a cell may hold a comma without quotes around "
            "it, or the line may be cut short.",
        ),
    ]
    assert set(staged(upload)) == {"dana@example.org", "lu@example.org"}
