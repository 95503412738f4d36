"""Row locks, taken one way everywhere.

A service that changes something scarce (stock, a slot's places, an application under review)
re-reads the rows it will change with `SELECT ... FOR UPDATE` inside its transaction. These
helpers name that step, so that a lock is never a query whose result is thrown away, and so that
every lock:

- is taken inside `transaction.atomic` (a lock outside one would be released at once);
- waits a bounded time (`LOCK_TIMEOUT_MS`, PostgreSQL's `lock_timeout`): a request that can't get
  its rows in time answers "please try again" (`LockTimeout`) instead of piling up behind others;
- takes several rows in primary-key order, so that two transactions locking the same rows can't
  deadlock.

SQLite (the quick start) has no row locks: there `select_for_update` is a no-op and the database
serializes writers itself.
"""

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _


class LockTimeout(Exception):
    """The rows stayed locked by someone else for longer than we wait."""

    def __init__(self):
        super().__init__(_("Many people are doing this at the same moment. Please try again."))


def _bounded_wait() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(settings.LOCK_TIMEOUT_MS)}ms"])


def _locking(evaluate):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside transaction.atomic().")
    _bounded_wait()
    try:
        return evaluate()
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise LockTimeout() from error
        raise


def lock_one(queryset: QuerySet, **lookup) -> Model:
    """The one row of `queryset` matching `lookup`, locked until the transaction ends
    (`DoesNotExist` if there is none)."""
    return _locking(lambda: queryset.select_for_update(of=("self",)).get(**lookup))


def lock_one_or_none(queryset: QuerySet, **lookup) -> Model | None:
    """As `lock_one`, or None when no row matches."""
    return _locking(lambda: queryset.select_for_update(of=("self",)).filter(**lookup).first())


def lock_all(queryset: QuerySet) -> list[Model]:
    """Every row of `queryset`, locked in primary-key order (the one order every caller uses)."""
    return _locking(lambda: list(queryset.select_for_update(of=("self",)).order_by("pk")))
