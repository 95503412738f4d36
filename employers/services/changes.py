"""What a checked upload would change on the roster, worked out in SQL before it is imported.

The staging table (the upload's valid rows) is joined to the roster on (organization, e-mail),
the roster's unique index: set-based, whatever the file's size. A person of the file who isn't
on the roster is new; one who is, with any detail different, is changed; the rest are unchanged
(importing them changes nothing: the import's upsert skips them, see `imports.py`).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils.translation import gettext_lazy as _

from employers.enums import Language
from employers.models import Invitee, RosterRow, RosterUpload
from enrollment.models import PriorityGroup

# The details an upload may change, as the roster names them; the e-mail is the person's key.
COMPARED = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "phone": _("Phone"),
    "date_of_birth": _("Date of birth"),
    "priority_group_id": _("Priority group"),
    "occupation": _("Occupation"),
    "language": _("Preferred language"),
}
CHANGES_SHOWN = 100


def differs(left: str, right: str) -> str:
    """SQL that is true when two columns differ, NULL counting as a value."""
    if connection.vendor == "postgresql":
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"  # SQLite (`make run`)


def any_differs(row: str = "r", person: str = "i") -> str:
    return "(" + " OR ".join(differs(f"{row}.{name}", f"{person}.{name}") for name in COMPARED) + ")"


def _joined() -> str:
    return (
        f"FROM {RosterRow._meta.db_table} AS r JOIN {Invitee._meta.db_table} AS i "
        "ON i.organization_id = %(organization)s AND i.email = r.email WHERE r.upload_id = %(upload)s"
    )


@dataclass
class Comparison:
    on_roster: int  # the file's people already on the roster
    changed: int  # of those, the ones with a detail that differs
    by_field: dict[str, int] = field(default_factory=dict)  # field name -> people it changes


def upload_compare(upload: RosterUpload) -> Comparison:
    """How many of the upload's staged people are on the roster already, how many of them
    would change, and how many by each detail: one aggregate query."""
    counts = ", ".join(
        f"coalesce(sum(CASE WHEN {differs(f'r.{name}', f'i.{name}')} THEN 1 ELSE 0 END), 0)"
        for name in COMPARED
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(sum(CASE WHEN {any_differs()} THEN 1 ELSE 0 END), 0), {counts} "
            + _joined(),
            {"organization": upload.organization_id, "upload": upload.pk},
        )
        on_roster, changed, *by_field = cursor.fetchone()
    return Comparison(
        on_roster=on_roster,
        changed=changed,
        by_field={name: count for name, count in zip(COMPARED, by_field, strict=True) if count},
    )


@dataclass
class Change:
    line: int
    name: str
    email: str
    fields: list[tuple[str, str, str]]  # (label, on the roster, in the file)


def _changes_query(upload: RosterUpload, *, limit: int | None) -> tuple[str, dict]:
    names = list(COMPARED)
    columns = ", ".join([f"r.{n}" for n in names] + [f"i.{n}" for n in names])
    sql = f"SELECT r.line, r.email, {columns} {_joined()} AND {any_differs()} ORDER BY r.line"
    params = {"organization": upload.organization_id, "upload": upload.pk}
    if limit is not None:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    return sql, params


def _change(row: tuple, groups: dict) -> Change:
    names = list(COMPARED)
    line, email, *values = row
    in_file, on_roster = values[: len(names)], values[len(names) :]
    fields = [
        (str(COMPARED[name]), _shown(name, before, groups), _shown(name, after, groups))
        for name, before, after in zip(names, on_roster, in_file, strict=True)
        if before != after
    ]
    return Change(line=line, name=f"{in_file[0]} {in_file[1]}", email=email, fields=fields)


def upload_changes(upload: RosterUpload, *, limit: int = CHANGES_SHOWN) -> list[Change]:
    """The first `limit` people the upload would change (by line of the file), each with the
    details that differ: what the roster says now and what the file says."""
    with connection.cursor() as cursor:
        cursor.execute(*_changes_query(upload, limit=limit))
        rows = cursor.fetchall()
    groups = dict(PriorityGroup.objects.values_list("pk", "code"))
    return [_change(row, groups) for row in rows]


def upload_changes_all(upload: RosterUpload, *, chunk: int = 2000) -> Iterator[Change]:
    """Every person the upload would change, read in chunks from a server-side cursor (on
    PostgreSQL), so that a download of many changes streams in flat memory."""
    groups = dict(PriorityGroup.objects.values_list("pk", "code"))
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(*_changes_query(upload, limit=None))
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                yield _change(row, groups)
    finally:
        cursor.close()


def _shown(name: str, value, groups: dict) -> str:
    if value in (None, ""):
        return "—"
    if name == "priority_group_id":
        return groups.get(value, str(value))
    if name == "language":
        return str(Language(value).label) if value in Language.values else value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
