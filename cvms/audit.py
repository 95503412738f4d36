"""Writing the audit trail. Every service that changes something that matters calls `audit` (or,
for a batch of rows changed at once, `audit_many`): nothing else writes `AuditEvent` rows. A flow
whose one change is audited by several services (a dose recorded and the stock it took) wraps
them in `audits_together`, so that their rows go in one INSERT."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.http import HttpRequest

from cvms.models import AuditEvent, User
from cvms.net import client_ip


def _event(
    *,
    action: str,
    by: User | None,
    target: models.Model | None,
    request: HttpRequest | None,
    data: dict | None,
    actor_email: str,
) -> AuditEvent:
    """The row `audit` and `audit_many` write, not saved yet (one place says what goes in it)."""
    actor = by if by is not None and by.is_authenticated else None
    return AuditEvent(
        actor=actor,
        actor_email=actor.email if actor else actor_email,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=client_ip(request),
        data=data or {},
    )


# The rows `audit` keeps for the enclosing `audits_together` block (None: write each at once).
_held: ContextVar[list[AuditEvent] | None] = ContextVar("audits_held", default=None)


@contextmanager
def audits_together() -> Iterator[None]:
    """The `audit` calls made inside the block write their rows in one INSERT when it ends
    (nothing, when it ends with an error). For a short transaction that would otherwise spend a
    round trip on each row: open the block inside the transaction, so the rows commit with it."""
    held: list[AuditEvent] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    if held:
        AuditEvent.objects.bulk_create(held)


def audit(
    *,
    action: str,
    by: User | None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    data: dict | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Record `action` (a dotted name such as `inventory.lot.received`) done by `by` (inside
    `audits_together`, when the block ends)."""
    event = _event(action=action, by=by, target=target, request=request, data=data, actor_email=actor_email)
    held = _held.get()
    if held is not None:
        held.append(event)
    else:
        event.save(force_insert=True)
    return event


def audit_many(
    *,
    action: str,
    by: User | None,
    events: Iterable[tuple[models.Model | None, dict | None]],
    request: HttpRequest | None = None,
    actor_email: str = "",
) -> list[AuditEvent]:
    """Record `action` once for each (target, data) of `events`, in one INSERT: the rows that one
    `audit` call per pair would write, for a batch (a roster's invitations sent) where a query
    per row would cost more than the work it records."""
    return AuditEvent.objects.bulk_create(
        [
            _event(action=action, by=by, target=target, request=request, data=data, actor_email=actor_email)
            for target, data in events
        ]
    )
