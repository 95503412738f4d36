"""The hash chain over the audit trail: sealing events after they are written, and verifying.

Events are written by many transactions at once (every booking, every dose). Chaining them as
they are written would make every one of those transactions wait for one chain-wide lock until it
commits, so they are sealed afterwards instead: `audit_seal` (Celery beat, every minute) takes
the events that have no seal yet, in id order, and gives each an `AuditSeal` whose hash covers the
previous seal's hash and the event's canonical form. One sealer runs at a time (a PostgreSQL
advisory lock), so seals are numbered without gaps.

`verify` walks the seals in order and recomputes the chain. A sealed event altered or deleted, or
a seal deleted, shows; so does the loss of the chain's tail when the head recorded earlier
(`manage.py audit_verify` prints it) is given back. An event is protected from the moment it is
sealed, so the window an intruder has is the minute before.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cvms.models import AuditEvent, AuditSeal

GENESIS = "0" * 64
# The fields a seal covers, in the order the canonical form names them.
SEALED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "ip_address",
    "data",
)
# pg_try_advisory_lock's key for "the sealer is running" (any constant the project uses once).
SEALER_LOCK_KEY = 0x63766D735F736561  # "cvms_sea"


def canonical(event: dict) -> str:
    """A stable text form of an event's sealed fields, the same whenever it is read back."""
    at: datetime = event["at"]
    ip = event["ip_address"]
    return json.dumps(
        {
            "id": event["id"],
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": event["actor_id"],
            "actor_email": event["actor_email"],
            "action": event["action"],
            "target_type": event["target_type"],
            "target_id": event["target_id"],
            "ip_address": str(ip) if ip is not None else None,
            "data": event["data"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(previous: str, event: dict) -> str:
    return hashlib.sha256((previous + canonical(event)).encode()).hexdigest()


# --- Sealing ---------------------------------------------------------------------------------


@contextmanager
def _sealer_lock(*, wait: bool):
    """Yield whether this process is the one sealer (with `wait`, once the other one is done).
    A session-level lock, so that each batch commits on its own; PostgreSQL drops it with the
    connection if the process dies."""
    if connection.vendor != "postgresql":
        # SQLite (the quick start) serializes writers itself; a second sealer would fail on
        # the seal's primary key rather than fork the chain.
        yield True
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s), true", [SEALER_LOCK_KEY])
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEALER_LOCK_KEY])
        acquired = cursor.fetchone()[-1]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])


def _seal_batch(*, since: datetime | None, size: int) -> int:
    head = AuditSeal.objects.order_by("-seq").values_list("seq", "chain_hash").first()
    seq, previous = head or (0, GENESIS)
    unsealed = AuditEvent.objects.filter(seal__isnull=True)
    if since is not None:
        unsealed = unsealed.filter(at__gte=since)
    seals = []
    for event in unsealed.order_by("id").values(*SEALED_FIELDS)[:size]:
        seq += 1
        previous = chain_hash(previous, event)
        seals.append(AuditSeal(seq=seq, event_id=event["id"], chain_hash=previous))
    AuditSeal.objects.bulk_create(seals)
    return len(seals)


def audit_seal(*, full: bool = False, wait: bool = False) -> int:
    """Seal the events written since the last run; return how many were sealed (0 when another
    sealer holds the lock, unless `wait` says to wait for it to finish).

    The minute's run looks only at events of the last `AUDIT_SEAL_WINDOW_MINUTES`, so that it
    stays one index range however long the trail grows. An event committed later than that
    after its time was taken (a very long transaction, or the sealer stopped for longer) is left
    to the nightly sweep and to `audit_verify`, which pass `full=True` and look at every event.
    """
    since = None if full else timezone.now() - timedelta(minutes=settings.AUDIT_SEAL_WINDOW_MINUTES)
    size = settings.AUDIT_SEAL_BATCH
    sealed = 0
    with _sealer_lock(wait=wait) as acquired:
        if not acquired:
            return 0
        while True:
            # One transaction per batch: a large backlog doesn't hold one huge transaction open.
            with transaction.atomic():
                count = _seal_batch(since=since, size=size)
            sealed += count
            if count < size:
                return sealed


# --- Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Verification:
    """What `verify` found, filled in as it walks: problems are yielded, the counts kept here."""

    verified: int = 0
    problems: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    expected_head_found: bool = False


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def verify(
    result: Verification, *, expected_head: tuple[int, str] | None = None, chunk_size: int = 2000
) -> Iterator[Problem]:
    """Walk every seal in order, recompute the chain, and yield what doesn't hold.

    Memory stays bounded: seals stream from a server-side cursor and events are read one chunk
    at a time. Each seal is checked against the hash stored in the one before it, so one altered
    event is one problem, not a broken chain from there on.
    """
    seals = AuditSeal.objects.order_by("seq").values_list("seq", "event_id", "chain_hash")
    expected_seq, previous = 1, GENESIS
    for chunk in _chunks(seals.iterator(chunk_size=chunk_size), chunk_size):
        events = AuditEvent.objects.filter(id__in=[event_id for _, event_id, _ in chunk]).values(
            *SEALED_FIELDS
        )
        by_id = {event["id"]: event for event in events}
        for seq, event_id, stored in chunk:
            if seq != expected_seq:
                yield _problem(result, seq, _gap(expected_seq, seq))
            event = by_id.get(event_id)
            if event is None:
                yield _problem(result, seq, f"event {event_id} deleted (seal {seq} has no event)")
            elif seq != expected_seq:
                pass  # its predecessor is gone, so its hash can't be checked; the gap is reported
            elif chain_hash(previous, event) != stored:
                yield _problem(result, seq, f"event {event_id} altered (seal {seq} doesn't match it)")
            else:
                result.verified += 1
            if expected_head is not None and seq == expected_head[0]:
                result.expected_head_found = True
                if stored != expected_head[1]:
                    yield _problem(result, seq, f"seal {seq} differs from the head recorded earlier")
            expected_seq, previous = seq + 1, stored
    result.head_seq, result.head_hash = expected_seq - 1, previous
    if expected_head is not None and not result.expected_head_found:
        yield _problem(
            result,
            expected_head[0],
            f"seal {expected_head[0]} (the head recorded earlier) is gone: the chain's tail was deleted",
        )


def _gap(expected_seq: int, seq: int) -> str:
    missing = f"seal {expected_seq}" if seq - expected_seq == 1 else f"seals {expected_seq}–{seq - 1}"
    return f"{missing} deleted (a gap before seal {seq})"


def _problem(result: Verification, seq: int, message: str) -> Problem:
    result.problems += 1
    return Problem(seq=seq, message=message)
