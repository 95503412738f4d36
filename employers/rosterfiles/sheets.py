"""A roster file's rows after its header, whatever the file's format."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from employers.enums import FileFormat
from employers.rosterfiles.columns import REQUIRED, TEMPLATE_HEADERS, match_headers
from employers.rosterfiles.csv_rows import csv_rows
from employers.rosterfiles.errors import RosterFileError
from employers.rosterfiles.xlsx_rows import xlsx_rows


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
    rows, progress = csv_rows(file) if file_format == FileFormat.CSV else xlsx_rows(file)
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
