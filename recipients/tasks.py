"""Thin Celery tasks of recipients: keyword ids in, one service call, safe to run twice. Their work
is promised through the outbox (cvms/outbox.py)."""

from celery import shared_task

from recipients.services import groups


@shared_task
def open_due_priority_groups() -> list[str]:
    """Every minute (beat): open the groups the state scheduled for now or earlier."""
    return groups.priority_groups_open_due()


@shared_task
def group_notices_dispatch(*, priority_group_id: int) -> int:
    """A group opened: promise its registered people's notices, in batches."""
    return groups.group_notices_dispatch(priority_group_id=priority_group_id)


@shared_task
def group_notices_send(*, priority_group_id: int, recipient_ids: list[int]) -> int:
    return groups.group_notices_send(priority_group_id=priority_group_id, recipient_ids=recipient_ids)
