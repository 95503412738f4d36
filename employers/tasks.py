"""Thin Celery tasks: keyword ids in, one service call. Their work is promised through the outbox
(cvms/outbox.py) and each is safe to run twice; the outbox's sweep (every minute) hands what a
dead worker or a lost task left undone to a worker again (employers/hooks.py)."""

from celery import shared_task

from cvms.models import User
from employers.services import invitations
from employers.services.imports import roster_rows_import
from employers.services.staging import roster_upload_validate


@shared_task
def roster_validate(*, upload_id: int) -> None:
    roster_upload_validate(upload_id=upload_id)


@shared_task
def roster_import(*, upload_id: int, by_id: int | None = None) -> None:
    roster_rows_import(upload_id=upload_id, by=User.objects.filter(pk=by_id).first())


@shared_task
def invitations_dispatch(*, upload_id: int) -> int:
    """Make an imported roster's invitations, and promise their sending in batches."""
    return invitations.invitations_dispatch(upload_id=upload_id)


# No automatic retry: each invitation of the batch ends on its own (sent, failed, or back in line
# after a transient refusal), and the sweep frees the claims of a worker that died.
@shared_task
def invitations_invite_batch(*, upload_id: int, invitee_ids: list[int]) -> int:
    return invitations.invitations_make_and_send(upload_id=upload_id, invitee_ids=invitee_ids)


@shared_task
def invitations_send_batch(*, invitation_ids: list[int]) -> int:
    return invitations.invitations_send(invitation_ids=invitation_ids)
