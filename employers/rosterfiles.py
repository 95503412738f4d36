"""Reading roster files: what kind of file it is, which column is which, and each row checked.

Nothing here touches the database; `employers.services` feeds the checked rows to it. Files are
read as streams (csv over a text wrapper, openpyxl in read-only mode), so memory stays flat
however long the roster is.
"""

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from employers.enums import FileFormat

# Columns of a roster, in the template's order, with the headers people actually write.
COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "priority_group",
    "occupation",
    "language",
]
REQUIRED = ["first_name", "last_name", "email", "date_of_birth"]
TEMPLATE_HEADERS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail",
    "phone": "Phone",
    "date_of_birth": "Date of birth",
    "priority_group": "Priority group",
    "occupation": "Occupation",
    "language": "Preferred language",
}
SYNONYMS = {
    "first_name": ["firstname", "first", "givenname", "forename", "fname", "nombre"],
    "last_name": ["lastname", "last", "surname", "familyname", "lname", "apellido", "apellidos"],
    "email": ["email", "emailaddress", "mail", "emailaddr", "correo", "correoelectronico"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "mobile", "cell", "cellphone", "mobilephone"],
    "date_of_birth": ["dateofbirth", "dob", "birthdate", "birthday", "born", "fechadenacimiento"],
    "priority_group": ["prioritygroup", "group", "priority", "vaccinegroup", "groupcode"],
    "occupation": ["occupation", "jobtitle", "job", "title", "position", "role"],
    "language": ["preferredlanguage", "language", "lang", "idioma"],
}
_HEADER_LOOKUP = {synonym: column for column, synonyms in SYNONYMS.items() for synonym in synonyms}

LANGUAGES = {
    "": "en", "en": "en", "eng": "en", "english": "en", "ingles": "en", "inglés": "en",
    "es": "es", "spa": "es", "spanish": "es", "espanol": "es", "español": "es",
}  # fmt: skip

EMAIL_RE = re.compile(r"^[^@\s,;<>\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
US_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
ISO_DATE_FAST_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # the fast path slices it
NOT_DIGITS = re.compile(r"[\s().\-+]")
PHONE_FORMATTED_RE = re.compile(r"[0-9]{3}-[0-9]{3}-[0-9]{4}\Z")  # already as the roster stores it
NOT_PLAIN = object()  # a cell the fast path leaves to the full check
MEMO_SIZE = 50_000

SNIFF_BYTES = 64 * 1024


class RosterFileError(Exception):
    """The file is refused as a whole; the message says why, for the person who sent it."""


def normalize_header(text) -> str:
    return re.sub(r"[^a-z0-9ñ]", "", str(text or "").strip().lower().replace("-", ""))


def match_headers(cells: list) -> dict[str, int]:
    """Map each known column to its position in the header row (first match wins)."""
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        column = _HEADER_LOOKUP.get(normalize_header(cell))
        if column and column not in found:
            found[column] = position
    return found


# --- What kind of file ----------------------------------------------------------------------


def detect_format(file, name: str, *, max_bytes: int) -> FileFormat:
    """Refuse a file that is too large, of the wrong type, or not what its name claims."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > max_bytes:
        raise RosterFileError(
            _(
                "The file is %(size)s MB; the largest roster accepted is %(limit)s MB. "
                "Split it into smaller files."
            )
            % {"size": round(size / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)}
        )
    if size == 0:
        raise RosterFileError(_("The file is empty."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == "xlsx":
        if not is_zip or not _is_workbook(file):
            raise RosterFileError(_("The file is named .xlsx but is not an Excel workbook."))
        return FileFormat.XLSX
    if extension in ("csv", "txt"):
        if is_zip or b"\x00" in head:
            raise RosterFileError(
                _("The file is named .%(ext)s but is not a text file. Save the roster as CSV or XLSX.")
                % {"ext": extension}
            )
        return FileFormat.CSV
    raise RosterFileError(
        _("Rosters must be CSV or Excel (.xlsx) files; “%(name)s” is neither.") % {"name": name}
    )


def _is_workbook(file) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)


def detect_encoding(file) -> str:
    """utf-8-sig (with or without BOM) when the whole file is valid UTF-8, else Windows-1252.

    Read in chunks so a large file is never held whole."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    file.seek(0)
    return encoding


# --- Rows -----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The rows of a roster file after its header: (line number, cells) pairs."""

    columns: dict[str, int]
    headers: list
    rows: Iterator[tuple[int, list]]
    progress: Callable[[], float]  # 0.0-1.0 of the file read so far
    header_line: int = 1


def open_sheet(file, file_format: FileFormat) -> Sheet:
    """Find the header (the first non-blank row) and return the rows after it.

    Raises RosterFileError when no row looks like a roster's header."""
    rows, progress = _csv_rows(file) if file_format == FileFormat.CSV else _xlsx_rows(file)
    try:
        return _header(rows, progress)
    except RosterFileError:
        rows.close()
        raise


def _header(rows, progress) -> Sheet:
    for line, cells in rows:
        if is_blank(cells):
            continue
        columns = match_headers(cells)
        if not columns:
            raise RosterFileError(
                _(
                    "This doesn't look like a roster: its first row has no column we recognise. "
                    "The first row must name the columns, as in the template (%(columns)s)."
                )
                % {"columns": ", ".join(TEMPLATE_HEADERS.values())}
            )
        missing = [TEMPLATE_HEADERS[column] for column in REQUIRED if column not in columns]
        if missing:
            raise RosterFileError(
                _("The roster has no column for: %(missing)s. Add it, as in the template.")
                % {"missing": ", ".join(missing)}
            )
        return Sheet(columns=columns, headers=cells, rows=rows, progress=progress, header_line=line)
    raise RosterFileError(_("The file has no rows: it is empty."))


def is_blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _csv_rows(file):
    encoding = detect_encoding(file)
    size = getattr(file, "size", None) or 1
    text = io.TextIOWrapper(file, encoding=encoding, newline="", errors="replace")
    # The delimiter is the one the header line uses most (spreadsheets in some locales save
    # CSV with semicolons); csv.Sniffer guesses wrong too often on short files.
    first_line = next((line for line in text.read(SNIFF_BYTES).splitlines() if line.strip()), "")
    delimiter = max(",;\t|", key=first_line.count)
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter if first_line.count(delimiter) else ",")

    def progress() -> float:
        return min(file.tell() / size, 1.0)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        finally:
            with contextlib.suppress(ValueError):  # already closed by its owner
                text.detach()  # leave the underlying file open for its owner

    return rows(), progress


def _xlsx_rows(file):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RosterFileError(_("The Excel workbook can't be read: it may be damaged.")) from error
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0
    state = {"line": 0}

    def progress() -> float:
        return min(state["line"] / total, 1.0) if total else 0.0

    def rows():
        try:
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                state["line"] = line
                yield line, list(cells)
        finally:
            workbook.close()

    return rows(), progress


# --- Checking one row -----------------------------------------------------------------------


@dataclass
class CleanRow:
    line: int
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date
    priority_group_id: int | None
    occupation: str
    language: str

    def as_tuple(self) -> tuple:
        return (
            self.line, self.first_name, self.last_name, self.email, self.phone, self.date_of_birth,
            self.priority_group_id, self.occupation, self.language,
        )  # fmt: skip


@dataclass(frozen=True)
class CellError:
    line: int
    column: str  # the header as written in the file
    value: str
    message: str


class RowChecker:
    """Checks rows against the rules of a roster. Build one per file: it holds the header,
    the priority groups and today's date."""

    MAX_LENGTHS = {"first_name": 150, "last_name": 150, "email": 254, "occupation": 200}

    def __init__(
        self, *, columns: dict[str, int], headers: list, groups: dict[str, int], minimum_age: int, today: date
    ):
        self.columns = columns
        self.headers = {
            column: str(headers[pos]).strip() if pos < len(headers) else column
            for column, pos in columns.items()
        }
        self.groups = groups  # code (lower case) -> id
        self.minimum_age = minimum_age
        self.today = today
        # The latest birth date of a person old enough today (born on or before it).
        try:
            self.latest_birth = today.replace(year=today.year - minimum_age)
        except ValueError:  # 29 February
            self.latest_birth = today.replace(year=today.year - minimum_age, day=28)
        self.earliest_birth = date(1900, 1, 1)
        self.positions = tuple(columns.get(column, -1) for column in COLUMNS)
        self._births: dict = {}
        self._group_ids: dict = {}
        self._languages: dict = {}
        self.messages = {
            "required": _("Required: this cell is empty."),
            "email": _("Not a valid e-mail address."),
            "date_format": _("Not a date: write it as YYYY-MM-DD or MM/DD/YYYY."),
            "date_impossible": _("No such date."),
            "date_future": _("The date of birth is in the future."),
            "date_old": _("The date of birth is before 1900."),
            "too_young": _("Younger than %(age)s: people under %(age)s can't be invited.")
            % {"age": minimum_age},
            "phone": _("Not a phone number: write 10 digits, such as 919-555-0100."),
            "group": _("No such priority group: use one of %(codes)s.")
            % {"codes": ", ".join(sorted(groups)) or "-"},
            "language": _("Unknown language: write English or Spanish."),
            "too_long": _("Too long: at most %(max)s characters."),
        }  # fmt: skip

    def fast(self, line: int, cells: list) -> tuple | None:
        """The row as a staging tuple when it is plainly valid, else None (then `check` says
        what is wrong, or finds it valid after all). The common case, kept tight: a large
        roster spends most of its reading time here. Dates of birth, groups and languages
        repeat from row to row, so each distinct cell is checked once (see `_plain`)."""
        first_at, last_at, email_at, phone_at, birth_at, group_at, job_at, language_at = self.positions
        try:
            first = cells[first_at].strip()
            last = cells[last_at].strip()
            email = cells[email_at].strip().lower()
            phone = cells[phone_at].strip() if phone_at >= 0 else ""
            occupation = cells[job_at].strip() if job_at >= 0 else ""
            group_cell = cells[group_at] if group_at >= 0 else ""
            language_cell = cells[language_at] if language_at >= 0 else ""
            birth = self._plain(self._births, self._plain_birth, cells[birth_at])
            group_id = self._plain(self._group_ids, self._plain_group, group_cell)
            language = self._plain(self._languages, self._plain_language, language_cell)
        except (IndexError, AttributeError):  # a short row, or a spreadsheet's non-text cell
            return None
        if (
            not first
            or not last
            or birth is None
            or group_id is NOT_PLAIN
            or language is None
            or len(first) > 150
            or len(last) > 150
            or len(occupation) > 200
            or len(email) > 254
            or not EMAIL_RE.match(email)
        ):
            return None
        if phone and not PHONE_FORMATTED_RE.match(phone):
            digits = NOT_DIGITS.sub("", phone)
            if len(digits) == 11 and digits[0] == "1":
                digits = digits[1:]
            if len(digits) != 10 or not digits.isdigit():
                return None
            phone = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        return (line, first, last, email, phone, birth, group_id, occupation, language)

    @staticmethod
    def _plain(memo: dict, check: Callable, cell):
        """`check(cell)`, remembered for the cell's text. A file of a million different
        cells would grow the memory, so the memo starts again past a bound."""
        try:
            return memo[cell]
        except KeyError:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            value = memo[cell] = check(cell)
            return value

    def _plain_birth(self, cell) -> date | None:
        """The date of birth of a plainly valid cell, else None."""
        text = cell.strip()  # AttributeError for a spreadsheet's date: `check` reads those
        try:
            if ISO_DATE_FAST_RE.match(text):
                birth = date(int(text[:4]), int(text[5:7]), int(text[8:10]))
            elif match := US_DATE_RE.match(text):
                month, day, year = match.groups()
                birth = date(int(year), int(month), int(day))
            else:
                return None
        except ValueError:
            return None
        return birth if self.earliest_birth <= birth <= self.latest_birth else None

    def _plain_group(self, cell) -> int | None:
        """The group's id, None for an empty cell, NOT_PLAIN for anything else."""
        code = cell.strip().lower()
        if not code:
            return None
        return self.groups.get(code.removeprefix("group").strip(), NOT_PLAIN)

    @staticmethod
    def _plain_language(cell) -> str | None:
        return LANGUAGES.get(cell.strip().lower())

    def cell(self, cells: list, column: str):
        position = self.columns.get(column)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    @staticmethod
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def check(self, line: int, cells: list) -> tuple[CleanRow | None, list[CellError]]:
        errors: list[CellError] = []

        def error(column: str, value, key: str, **params) -> None:
            message = self.messages[key] if not params else self.messages[key] % params
            errors.append(CellError(line, self.headers.get(column, column), self.text(value)[:200], message))

        values = {}
        for column in ("first_name", "last_name", "email", "occupation"):
            value = self.text(self.cell(cells, column))
            if not value and column in REQUIRED:
                error(column, value, "required")
            elif len(value) > self.MAX_LENGTHS[column]:
                error(column, value, "too_long", max=self.MAX_LENGTHS[column])
            values[column] = value

        email = values["email"].lower()
        if email and "email" not in {e.column for e in errors} and not EMAIL_RE.match(email):
            error("email", email, "email")

        birth = self._date(self.cell(cells, "date_of_birth"), error)

        phone = self.text(self.cell(cells, "phone"))
        if phone:
            digits = NOT_DIGITS.sub("", phone)
            if len(digits) == 11 and digits.startswith("1"):
                digits = digits[1:]
            if len(digits) != 10 or not digits.isdigit():
                error("phone", phone, "phone")
            else:
                phone = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"

        group_id = None
        group = self.text(self.cell(cells, "priority_group"))
        if group:
            code = group.lower().removeprefix("group").strip()
            group_id = self.groups.get(code)
            if group_id is None:
                error("priority_group", group, "group")

        language_raw = self.text(self.cell(cells, "language"))
        language = LANGUAGES.get(language_raw.lower())
        if language is None:
            error("language", language_raw, "language")

        if errors:
            return None, errors
        return (
            CleanRow(
                line=line,
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=email,
                phone=phone,
                date_of_birth=birth,
                priority_group_id=group_id,
                occupation=values["occupation"],
                language=language,
            ),
            errors,
        )

    def _date(self, value, error) -> date | None:
        if value is None or value == "":
            error("date_of_birth", "", "required")
            return None
        if isinstance(value, datetime):
            birth = value.date()
        elif isinstance(value, date):
            birth = value
        else:
            text = self.text(value)
            if not text:
                error("date_of_birth", text, "required")
                return None
            match = ISO_DATE_RE.match(text)
            if match:
                year, month, day = (int(part) for part in match.groups())
            elif match := US_DATE_RE.match(text):
                month, day, year = (int(part) for part in match.groups())
            else:
                error("date_of_birth", text, "date_format")
                return None
            try:
                birth = date(year, month, day)
            except ValueError:
                error("date_of_birth", text, "date_impossible")
                return None
        if birth > self.today:
            error("date_of_birth", value, "date_future")
        elif birth.year < 1900:
            error("date_of_birth", value, "date_old")
        elif birth > self.latest_birth:
            error("date_of_birth", value, "too_young")
        else:
            return birth
        return None
