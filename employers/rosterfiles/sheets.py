"""A roster file's rows after its header, whatever the file's format."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from employers.enums import FileFormat
from employers.rosterfiles.columns import REQUIRED, TEMPLATE_HEADERS, match_headers
from employers.rosterfiles.csv_rows import csv_rows
from employers.rosterfiles.errors import RosterFileError
from employers.rosterfiles.xlsx_rows import too_many_rows, xlsx_rows


@dataclass
class Sheet:
    """The rows of a roster file after its header: (line number, cells) pairs."""

    columns: dict[str, int]
    headers: list
    rows: Iterator[tuple[int, list]]
    progress: Callable[[], float]  # 0.0-1.0 of the file read so far
    header_line: int = 1


def open_sheet(file, file_format: FileFormat, *, max_rows: int | None = None) -> Sheet:
    """Find the header (the first non-blank row) and return the rows after it.

    Raises RosterFileError when no row looks like a roster's header. With `max_rows`, the rows
    end after that many past the header (blank ones count: a sheet of a million empty rows is
    read row by row too), and `sheet.rows.over` says that there were more."""
    if file_format == FileFormat.CSV:
        rows, progress = csv_rows(file)
    else:
        rows, progress = xlsx_rows(file, max_rows=max_rows)
    rows = CappedRows(rows, max_rows)
    try:
        return _header(rows, progress)
    except RosterFileError:
        rows.close()
        raise


class CappedRows:
    """(line, cells) pairs that end quietly past `max_rows` after the header, noting it in
    `over`: the reader stops between rows (never inside its write to the database) and then
    refuses the file."""

    def __init__(self, rows, max_rows: int | None):
        self.rows, self.max_rows = rows, max_rows
        self.header_line: int | None = None
        self.over = False

    def __iter__(self):
        return self

    def __next__(self) -> tuple[int, list]:
        line, cells = next(self.rows)
        if self.header_line is None and not is_blank(cells):
            self.header_line = line
        past = line - self.header_line if self.header_line is not None else 0
        if self.max_rows is not None and past > self.max_rows:
            self.over = True
            self.close()
            raise StopIteration
        return line, cells

    def close(self) -> None:
        self.rows.close()

    def refuse_if_over(self) -> None:
        if self.over:
            raise RosterFileError(too_many_rows(self.max_rows))


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
