"""CSV downloads that are safe to open in a spreadsheet, streamed row by row.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) as a
formula: text like that gets a leading apostrophe (CSV injection). Numbers pass as numbers, so
`-1` stays a number.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and every row as CSV lines, each cell made safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream a CSV file download (with a byte-order mark, so that Excel reads it as UTF-8)."""

    def lines():
        yield "\ufeff"
        yield from csv_lines(header, rows)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
