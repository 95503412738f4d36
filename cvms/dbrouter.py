"""Reads that may come from a read replica: the state's dashboards and its period exports.

PostgreSQL's streaming replica serves the same rows a moment late. Pages that only look (the
state's dashboard and lists over millions of doses) and the period CVRS extract read there when
a replica is configured (`DATABASE_REPLICA_URL`: `DATABASES["replica"]`, and
`READ_FROM_REPLICA`), so that the primary keeps its time for bookings and dose records. What a
person has just changed, the session, the access check and anything read in order to write stay
on the primary: a view asks for the replica only around its own reads (`replica_reads`), and a
query set only by name (`for_reports`). docs/scaling.md.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.models import QuerySet

REPLICA = "replica"

_reads_wanted: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_enabled() -> bool:
    return bool(getattr(settings, "READ_FROM_REPLICA", False)) and REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, ORM reads go to the replica when one is configured."""
    token = _reads_wanted.set(True)
    try:
        yield
    finally:
        _reads_wanted.reset(token)


def for_reports(queryset: QuerySet) -> QuerySet:
    """`queryset` read from the replica when one is configured (a report streamed from it)."""
    return queryset.using(REPLICA) if replica_enabled() else queryset


class ReplicaRouter:
    """Sends the reads asked for by `replica_reads` to the replica; everything else, and every
    write, to the primary (`default`). Never migrates the replica: it copies the primary."""

    def db_for_read(self, model, **hints):
        if _reads_wanted.get() and replica_enabled():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may point at one here.
        return True

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


class ReplicaReadsMixin:
    """For a page that only looks: what its GET reads and renders comes from the replica, when
    one is configured. The gate (who may see it, the session) has already run on the primary in
    `dispatch`; a POST stays on the primary."""

    def get(self, request, *args, **kwargs):
        with replica_reads():
            response = super().get(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # the template's own reads, inside the block
        return response
