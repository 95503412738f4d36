"""Writing the audit trail. Every service that changes something that matters calls `audit`."""

from django.db import models
from django.http import HttpRequest

from cvms.models import AuditEvent, User
from cvms.net import client_ip


def audit(
    *,
    action: str,
    by: User | None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    data: dict | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Record `action` (a dotted name such as `inventory.lot.received`) done by `by`."""
    actor = by if by is not None and by.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor.email if actor else actor_email,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=client_ip(request),
        data=data or {},
    )
