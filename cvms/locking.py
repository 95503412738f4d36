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

A web request's other waits are bounded too: every connection a web process opens starts with
`lock_timeout` at `LOCK_TIMEOUT_MS` (`bound_the_waits_of`, connected in cvms/apps.py), so a
conditional UPDATE of a row someone holds (a slot's counter, an appointment's status) or a plain
`select_for_update()` gives up as well, and `cvms.middleware.LockTimeoutMiddleware` answers it with
the same "please try again" page. Celery workers wait as long as it takes (cvms/celery.py calls
`waits_unbounded_in_this_process`): a batch refused there would not be asked again by a person.

SQLite (the quick start) has no row locks: there `select_for_update` is a no-op and the database
serializes writers itself.
"""

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

# Whether the connections this process opens bound their lock waits (web processes: yes).
_bounded_connections = True


class LockTimeout(Exception):
    """The rows stayed locked by someone else for longer than we wait."""

    def __init__(self):
        super().__init__(_("Many people are doing this at the same moment. Please try again."))


# The lock wait a connection was opened with (`bound_the_waits_of`), kept on Django's connection
# object: None for a connection that waits unbounded (a Celery worker's).
BOUND_ATTRIBUTE = "cvms_lock_timeout_ms"


def _bounded_wait() -> None:
    """The helpers' bound on this transaction's lock waits. A web process's connection already
    waits at most LOCK_TIMEOUT_MS (set when it was opened): nothing to send, a round trip saved
    on every lock; a worker's connection (unbounded) gets `SET LOCAL` for this transaction."""
    if connection.vendor != "postgresql":
        return
    timeout = int(settings.LOCK_TIMEOUT_MS)
    if getattr(connection, BOUND_ATTRIBUTE, None) == timeout:
        return
    with connection.cursor() as cursor:
        # A literal, not a parameter: SET takes no bound parameters (server-side binding).
        cursor.execute(f"SET LOCAL lock_timeout = '{timeout}ms'")


def is_lock_timeout(error: BaseException) -> bool:
    """Whether a database error is PostgreSQL giving up a lock wait (`lock_not_available`)."""
    return isinstance(error, OperationalError) and getattr(error.__cause__, "sqlstate", None) == "55P03"


def bound_the_waits_of(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: a new PostgreSQL connection of a web process waits at most
    `LOCK_TIMEOUT_MS` for any lock (a session setting; `SET LOCAL` in `_bounded_wait` is the
    same bound, for the helpers' transactions in every process)."""
    if connection.vendor != "postgresql":
        return
    if not _bounded_connections:
        setattr(connection, BOUND_ATTRIBUTE, None)
        return
    timeout = int(settings.LOCK_TIMEOUT_MS)
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{timeout}ms'")  # a literal: SET takes no parameters
    setattr(connection, BOUND_ATTRIBUTE, timeout)


def waits_unbounded_in_this_process() -> None:
    """For Celery workers: the connections they open wait for locks as long as it takes."""
    global _bounded_connections
    _bounded_connections = False


def _locking(evaluate):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside transaction.atomic().")
    _bounded_wait()
    try:
        return evaluate()
    except OperationalError as error:
        if is_lock_timeout(error):
            raise LockTimeout() from error
        raise


def lock_one(queryset: QuerySet, **lookup) -> Model:
    """The one row of `queryset` matching `lookup`, locked until the transaction ends
    (`DoesNotExist` if there is none)."""
    return _locking(lambda: queryset.select_for_update(of=("self",)).get(**lookup))


def lock_one_or_none(queryset: QuerySet, **lookup) -> Model | None:
    """As `lock_one`, or None when no row matches."""
    return _locking(lambda: queryset.select_for_update(of=("self",)).filter(**lookup).first())


def _hold_for_share(model: type[Model], pk, equal: dict | None = None) -> bool:
    quote = connection.ops.quote_name
    conditions, params = [f"{quote(model._meta.pk.column)} = %s"], [pk]
    for field, value in (equal or {}).items():
        conditions.append(f"{quote(model._meta.get_field(field).column)} = %s")
        params.append(value)
    # SQLite has no row locks: there the read alone.
    share = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)}{share}",  # noqa: S608
            params,
        )
        return cursor.fetchone() is not None


def hold_one(model: type[Model], pk, **equal) -> bool:
    """Keep the row of `model` with primary key `pk` from changing until the transaction ends
    (`FOR SHARE`): any number of transactions may hold it at once, one that would change or lock
    it for update waits for them all, and they wait for it. Read the row after holding it: what
    you read stays true. (A booking holds its clinic's row this way: bookings don't queue for each
    other, and a cancellation waits for the bookings in flight.)

    With `equal` (field=value), the row is held only if it has those values once the writers
    before us committed (PostgreSQL checks them again on the row it waited for): one statement
    that holds the row and says whether it is still as the caller read it. Returns whether a row
    was held."""
    return _locking(lambda: _hold_for_share(model, pk, equal))


def lock_all(queryset: QuerySet) -> list[Model]:
    """Every row of `queryset`, locked in primary-key order (the one order every caller uses)."""
    return _locking(lambda: list(queryset.select_for_update(of=("self",)).order_by("pk")))
