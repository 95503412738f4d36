"""Reads of the core's data that views share."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cvms.models import AuditEvent


def _start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the state's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    ip_address: str | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first (the order of the (at, id) index), narrowed by each filter
    given: the days from `date_from` through `date_to`, the actor's e-mail, an action's start
    (`account.` finds every account event), the target, the address it came from."""
    events = AuditEvent.objects.order_by("-at", "-id")
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    if actor:
        events = events.filter(actor_email__iexact=actor)
    if action:
        events = events.filter(action__startswith=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if ip_address:
        events = events.filter(ip_address=ip_address)
    return events
