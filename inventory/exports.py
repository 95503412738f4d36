"""Streaming the ledger as CSV, and rendering the wasted/expired report as PDF."""

import csv
from collections.abc import Iterable, Iterator

from django.template.loader import render_to_string

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LEDGER_HEADER = [
    "when",
    "kind",
    "doses",
    "reason",
    "product",
    "ndc",
    "lot",
    "expiry",
    "by",
    "reference",
    "note",
]


def csv_cell(value) -> object:
    """Text that would start a formula gets a leading apostrophe; numbers pass as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def ledger_rows(movements) -> Iterator[list]:
    """The ledger's rows, read in chunks by a server-side cursor (never all in memory)."""
    for m in movements.iterator(chunk_size=2000):
        yield [
            m.at.isoformat(timespec="seconds"),
            m.kind,
            m.quantity,
            m.reason,
            m.lot.product.name,
            m.lot.product.ndc,
            m.lot.number,
            m.lot.expires_on.isoformat(),
            m.by.email if m.by else "",
            m.reference,
            m.note,
        ]


def wastage_report_pdf(context: dict) -> bytes:
    """The printable wasted/expired doses report (WeasyPrint)."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only this page needs it

    html = render_to_string("inventory/wastage_report_pdf.html", context)
    return HTML(string=html).write_pdf()
