"""Registry rows formatted by PostgreSQL: `COPY (SELECT <the line's fields> ...) TO STDOUT`
streamed from the records' query, so that an export of a million doses costs little more than
PostgreSQL's own COPY of them: CVRS lines (`cvrs_sql`), HL7 messages (`hl7_sql`). Python handles
only the rows the SQL says it can't write plainly (they come back as their `REPORT_FIELDS` row,
for the reference formatter and its report).
"""

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.models import F, QuerySet
from django.utils import timezone

from administration.models import AdministrationRecord
from administration.reporting import cvrs, cvrs_sql, hl7, hl7_sql
from administration.selectors.reporting import (
    REPORT_FIELDS,
    ReportRow,
    day_bounds,
    dose_report,
    report_rows,
    reported_before,
)
from enrollment.models import Location
from inventory.models import Product


def report_column(name: str) -> str:
    """The SQL of one of REPORT_FIELDS in `formatted_rows`' query."""
    return f"r.c{REPORT_FIELDS.index(name)}"


def _json_converters() -> dict[str, Callable[[Any], Any]]:
    """How a value of REPORT_FIELDS read back from JSON becomes what `report_rows` gives."""
    converters = {}
    for name in REPORT_FIELDS:
        model, *path, last = [AdministrationRecord, *name.split("__")]
        for step in path:
            model = model._meta.get_field(step).related_model
        field = model._meta.get_field(last)
        if field.get_internal_type() in {"DateTimeField", "DateField", "DecimalField"}:
            converters[name] = field.to_python
    return converters


def _row_from_json(text: bytes, converters: dict[str, Callable[[Any], Any]]) -> ReportRow:
    values = json.loads(cvrs_sql.copy_unescape(text), parse_float=Decimal)
    row = {name: values[f"c{n}"] for n, name in enumerate(REPORT_FIELDS)}
    for name, convert in converters.items():
        if row[name] is not None:
            row[name] = convert(row[name])
    return row


def _sql(queryset: QuerySet) -> str:
    """The query's SQL with its parameters in it (COPY takes none)."""
    connection = connections[queryset.db]
    connection.ensure_connection()
    sql, params = queryset.query.sql_with_params()
    return psycopg.ClientCursor(connection.connection).mogrify(sql, params)


def _failing(queryset: QuerySet, *, prefix: str, checks: list[str]) -> str:
    """SQL of the pks of `queryset` (locations, products) whose values of REPORT_FIELDS (those
    under `prefix`, e.g. "location__") fail the SQL `checks` over `report_column`s."""
    named = {
        f"c{n}": F(name.removeprefix(prefix))
        for n, name in enumerate(REPORT_FIELDS)
        if name.startswith(prefix)
    }
    query = _sql(queryset.values(k=F("pk"), **named))
    return f"ARRAY(SELECT r.k FROM ({query}) AS r WHERE ({cvrs_sql.all_of(checks)}) IS NOT TRUE)"  # noqa: S608


def plain_condition(records: QuerySet[AdministrationRecord], checks: dict[str, list[str]]) -> str:
    """The SQL condition of a plain row: its own `checks["row"]`, and its location and product
    not among those that fail theirs. Those are uncorrelated subqueries: PostgreSQL runs each
    once (an InitPlan) in the COPY's own snapshot, not once per dose."""
    conditions = list(checks["row"])
    for scope, model in (("location", Location), ("product", Product)):
        failing = _failing(model.objects.using(records.db), prefix=f"{scope}__", checks=checks[scope])
        conditions.append(f"r.k_{scope} <> ALL({failing})")
    return cvrs_sql.all_of(conditions)


def _copies(records: QuerySet[AdministrationRecord]) -> bool:
    """Whether PostgreSQL writes the lines. Elsewhere (SQLite under `make run`) every record
    goes through the Python formatter, which writes the same lines, only slower
    (tests/administration/test_cvrs_sql.py and test_hl7_sql.py compare the two)."""
    return connections[records.db].vendor == "postgresql"


def formatted_rows(
    records: QuerySet[AdministrationRecord],
    *,
    fields: list[str],
    plain: str,
    computed: dict[str, str] | None = None,
) -> Iterator[bytes | ReportRow]:
    """Each record as PostgreSQL writes it: the SQL `fields` (over `report_column`s) in COPY's
    text format (separated by tabs, LF at the end); or, for a record where the SQL condition
    `plain` isn't true, its REPORT_FIELDS row (as `report_rows` gives it) for Python to handle.
    In the records' order, streamed by `COPY (...) TO STDOUT`: one row in memory at a time.
    `computed` names SQL values the fields read as `v.<name>`, computed once per record."""
    query = _sql(
        records.values(
            **{f"c{n}": F(name) for n, name in enumerate(REPORT_FIELDS)},
            k_location=F("location"),
            k_product=F("product"),
        )
    )
    connection = connections[records.db]
    # The records' order is their query's (a sorted subquery, scanned as it comes). As in
    # `_failing`, the SQL is ours and Django's, with values quoted by psycopg.
    first = f"CASE WHEN ({plain}) IS TRUE THEN '' ELSE row_to_json(r)::text END"
    source = f"({query}) AS r"
    if computed:
        # OFFSET 0 keeps the planner from folding the values back into every place they're read.
        values = ", ".join(f"{expression} AS {name}" for name, expression in computed.items())
        source += f" CROSS JOIN LATERAL (SELECT {values} OFFSET 0) AS v"
    copy_sql = f"COPY (SELECT {first}, {', '.join(fields)} FROM {source}) TO STDOUT"  # noqa: S608
    converters = _json_converters()
    with connection.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for block in copy:
            data = bytes(block)
            if data[0] == 9:  # the first column is empty: the line is PostgreSQL's
                yield data[1:]
            else:
                yield _row_from_json(data[: data.index(b"\t")], converters)


def cvrs_record_lines(
    records: QuerySet[AdministrationRecord],
    *,
    extract_type: cvrs.ExtractType,
    report: cvrs.Report,
    day: date | None = None,
) -> Iterator[str | None]:
    """The records' CVRS lines (no header), as `cvrs.cvrs_line` writes them with `report`: one
    item per record, None for a record left out (noted in the report).

    PostgreSQL writes each plainly valid line; a record that breaks a rule, or has a value to
    leave empty, goes through `cvrs.cvrs_line`, which notes it in the report. For a daily file
    (`day`), a record first reported on an earlier day is noted as sent again."""
    if _copies(records):
        fields, checks = cvrs_sql.line_sql(
            report_column, extract_type=extract_type, time_zone=settings.TIME_ZONE
        )
        if day is not None:
            since, _until = day_bounds(day, day)
            since_sql = f"{cvrs_sql.literal(since.isoformat())}::timestamptz"
            checks = {**checks, "row": [*checks["row"], f"{report_column('created_at')} >= {since_sql}"]}
        items = formatted_rows(records, fields=fields, plain=plain_condition(records, checks))
    else:
        items = report_rows(records)
    for item in items:
        if isinstance(item, bytes):
            yield cvrs_sql.copied_line(item, report=report)
            continue
        if day is not None and reported_before(item, day=day):
            report.note(
                "updates",
                f"CVMS-{item['id']}: changed on {day} (corrected, or the person's details), first reported "
                f"on {timezone.localdate(item['created_at'])}",
            )
        yield cvrs.cvrs_line(dose_report(item), extract_type=extract_type, report=report)


_MSH_START = "MSH|" + hl7.ENCODING_CHARACTERS + "|"


def hl7_record_messages(
    records: QuerySet[AdministrationRecord],
    *,
    sender: hl7.Sender,
    now: datetime,
    control_id: Callable[[int], str],
) -> Iterator[tuple[int, int, str]]:
    """The records' VXU messages, as `hl7.vxu_message` writes them from `dose_report(for_hl7)`,
    the n-th with `control_id(n)`: (record id, version, message) in the records' order.

    PostgreSQL writes each plain record's message (`hl7_sql`) but MSH-1, MSH-2 and MSH-10;
    the others go through `hl7.vxu_message`."""
    if _copies(records):
        pieces, checks, computed = hl7_sql.message_sql(
            report_column, sender=sender, now=now, time_zone=settings.TIME_ZONE
        )
        fields = [report_column("id"), report_column("version"), *pieces]
        plain = plain_condition(records, checks)
        items = formatted_rows(records, fields=fields, plain=plain, computed=computed)
    else:
        items = report_rows(records)
    for n, item in enumerate(items, start=1):
        if isinstance(item, bytes):
            pk, version, head, tail = item.split(b"\t")
            # A plain message has no backslash but its segments' CRs, which COPY writes as "\r".
            rest, *observations = tail[:-1].replace(b"\\r", b"\r").decode().split(hl7_sql.OBX_START)
            numbered = "".join(f"\rOBX|{i}|{text}" for i, text in enumerate(observations, start=1))
            yield int(pk), int(version), _MSH_START + head.decode() + control_id(n) + rest + numbered
        else:
            dose = dose_report(item, for_hl7=True)
            message = hl7.vxu_message(dose, control_id=control_id(n), now=now, sender=sender)
            yield item["id"], item["version"], message
