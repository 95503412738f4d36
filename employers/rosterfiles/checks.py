"""Checking one row of a roster: a fast path for the plainly valid rows, and the full check that
names every error."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from employers.rosterfiles.columns import COLUMNS, REQUIRED

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
        self,
        *,
        columns: dict[str, int],
        headers: list,
        groups: dict[str, int],
        minimum_age: int,
        today: date,
        counts_cells: bool = False,
    ):
        self.columns = columns
        # A CSV line with more or fewer cells than its header has lost its shape (an unquoted
        # comma, a line cut short): its cells no longer sit under their columns, so the line is
        # reported as such rather than as a wrong value in every column after the shift. A
        # workbook's cells can't shift, so only CSV counts them.
        self.cell_count = cells_used(headers) if counts_cells else None
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
        if self.cell_count is not None and len(cells) != self.cell_count:
            return None  # `check` counts them (blank cells past the header are fine)
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
            if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):  # "²" is a digit too
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
        shape = self.shape_error(line, cells)
        if shape is not None:
            return None, [shape]

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
            if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
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

    def shape_error(self, line: int, cells: list) -> CellError | None:
        """The line's error when it has more cells than the header (blank ones past it aside)
        or fewer; None when its cells line up with the columns."""
        expected = self.cell_count
        if expected is None or (len(cells) >= expected and cells_used(cells) <= expected):
            return None
        message = ngettext(
            "This line has %(count)s cell, the header has %(header)s: a cell may hold a comma "
            "without quotes around it, or the line may be cut short.",
            "This line has %(count)s cells, the header has %(header)s: a cell may hold a comma "
            "without quotes around it, or the line may be cut short.",
            len(cells),
        ) % {"count": len(cells), "header": expected}
        return CellError(line, "", "", message)

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


def cells_used(cells: list) -> int:
    """How many cells a row has, not counting the blank ones at its end."""
    count = len(cells)
    while count and (cells[count - 1] is None or not str(cells[count - 1]).strip()):
        count -= 1
    return count
