"""The CVRS and HL7 exports against PostgreSQL's COPY of the same rows."""

import re
import tempfile
import time
from pathlib import Path

from bench.harness import Row, manage


def copy_rate(queryset) -> tuple[float, int]:
    """PostgreSQL's COPY (the queryset's own SELECT) TO STDOUT: rows/s and rows."""
    import psycopg
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    literal = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    rows = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({literal}) TO STDOUT") as copy:
        for block in copy:
            rows += bytes(block).count(b"\n")
    return rows / (time.perf_counter() - started), rows


FORMATTED_BY = {
    "export_cvrs": "lines written by PostgreSQL (COPY)",
    "export_hl7": "messages written by PostgreSQL (COPY) but MSH-10; Python those with values to escape",
}


def _split(out: str, start_up: float) -> str:
    """What an HL7 export's time went to (the command prints its file's and its marking's)."""
    found = re.search(r"file ([\d.]+) s, marked sent ([\d.]+) s", out)
    if not found:
        return ""
    parts = {"the start": start_up, "the file": float(found[1]), "marking sent": float(found[2])}
    most = max(parts, key=parts.get)
    return f"{most} dominates ({', '.join(f'{name} {value:.1f} s' for name, value in parts.items())}); "


def export_rows(env: dict) -> list:
    from administration.selectors import reporting

    start, end = "2000-01-01", "2100-12-31"
    from datetime import date

    records = reporting.records_between(start=date(2000, 1, 1), end=date(2100, 12, 31))
    limit, expected = copy_rate(records.values(*reporting.REPORT_FIELDS))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # What a command costs before its first row (Django's start, the queries before the
        # rows): an export of a day without doses, told apart in the notes (a QUICK run's 40,000
        # rows take a few seconds; a state's million, a minute).
        _out, start_up, _peak = manage(
            env, "export_cvrs", "--start", "1990-01-01", "--end", "1990-01-01", "-o", str(Path(tmp) / "empty")
        )
        for command, args, target, floor, unit in (
            ("export_cvrs", ["--start", start, "--end", end], "50% of COPY; under 300 MB", 0.5, "records/s"),
            ("export_hl7", [], "25% of COPY", 0.25, "messages/s"),
        ):
            path = Path(tmp) / command
            out, seconds, peak = manage(env, command, *args, "-o", str(path))
            written = int(re.search(r"(\d+) (?:records|messages) written", out).group(1))
            rate = written / seconds
            ratio = rate / limit
            met = ratio >= floor and (peak < 300 if command == "export_cvrs" else True)
            rows.append(
                Row(
                    f"{command}, {written:,} doses",
                    round(rate),
                    unit,
                    round(limit),
                    round(ratio, 3),
                    target,
                    met,
                    f"{path.stat().st_size / 1e6:,.0f} MB file, peak {peak:,.0f} MB; COPY of the export's "
                    f"query: {expected:,} rows; {seconds:.1f} s of which {start_up:.1f} s is the command's "
                    f"start (an empty export): {written / max(seconds - start_up, 0.001):,.0f}/s after it; "
                    + (_split(out, start_up) if command == "export_hl7" else "")
                    + FORMATTED_BY[command],
                )
            )
    return rows
