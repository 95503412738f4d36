"""Streaming the ledger as CSV, and rendering the wasted/expired report as PDF."""

from collections.abc import Iterator

from django.template.loader import render_to_string

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
