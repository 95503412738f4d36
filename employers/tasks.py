"""Thin Celery tasks: keyword ids in, one service call."""

from celery import shared_task
from django.db import transaction

from cvms import outbox
from cvms.models import User
from employers.services.imports import roster_rows_import
from employers.services.invitations import invitations_make_and_send, invitations_send, invitee_batches
from employers.services.staging import roster_upload_validate


@shared_task
def roster_validate(*, upload_id: int) -> None:
    roster_upload_validate(upload_id=upload_id)


@shared_task
def roster_import(*, upload_id: int, by_id: int | None = None) -> None:
    roster_rows_import(upload_id=upload_id, by=User.objects.filter(pk=by_id).first())


@shared_task
def invitations_dispatch(*, upload_id: int) -> None:
    """Split an imported roster's people to invite into batches, one task each (promised
    through the outbox, so a broker that fails half-way loses none)."""
    with transaction.atomic():
        for batch in invitee_batches(upload_id=upload_id):
            outbox.enqueue(invitations_invite_batch, upload_id=upload_id, invitee_ids=batch)


# SMTP hiccups (OSError) are retried with backoff; what was made or sent already is skipped.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitations_invite_batch(*, upload_id: int, invitee_ids: list[int]) -> int:
    return invitations_make_and_send(upload_id=upload_id, invitee_ids=invitee_ids)


# SMTP hiccups (OSError) are retried with backoff; the invitations already sent are skipped.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitations_send_batch(*, invitation_ids: list[int]) -> int:
    return invitations_send(invitation_ids=invitation_ids)
