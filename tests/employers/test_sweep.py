"""Invitations and roster jobs that survive dead workers, lost tasks and refused addresses (issue
13, finding 7): every person on a roster gets exactly one invitation e-mail; one refused address
doesn't hold back its batch; a job whose worker died goes back to work."""

import signal
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from cvms import outbox
from cvms.emails import CLAIM_TIMEOUT, RETRY_PAUSES
from cvms.models import AuditEvent
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterError, RosterRow, RosterUpload
from employers.services import jobs
from employers.services.invitations import invitations_send, invitations_sweep
from employers.services.staging import roster_upload_validate
from employers.tasks import invitations_dispatch
from tests import mail_backends
from tests.employers.factories import InvitationFactory, InviteeFactory, RosterUploadFactory
from tests.employers.helpers import upload_roster
from tests.factories import EmployerFactory

LATER = CLAIM_TIMEOUT + timedelta(minutes=1)  # when the sweep takes a dead worker's claims back
LONG_AGO = timedelta(hours=2)  # longer than any live worker's job (the hard time limit)


@pytest.fixture
def dying_mail(settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.DyingBackend"
    mail_backends.SENT_BEFORE_DYING[0] = 0
    yield mail_backends.DIES_AFTER
    mail_backends.DIES_AFTER.clear()


def imported_roster(people: int) -> RosterUpload:
    """An upload just imported: its new people are on the roster, their invitations not made."""
    upload = RosterUploadFactory(
        status=UploadStatus.IMPORTED, finished_at=timezone.now(), people_to_invite=people
    )
    InviteeFactory.create_batch(
        people, organization=upload.organization, status=InviteeStatus.ADDED, created_by_upload=upload
    )
    return upload


def pending(count: int) -> list[Invitation]:
    organization = EmployerFactory()
    return [
        InvitationFactory(
            invitee=InviteeFactory(organization=organization, status=InviteeStatus.ADDED),
            status=DeliveryStatus.PENDING,
            sent_at=None,
            expires_at=None,
        )
        for _ in range(count)
    ]


def emails_per_person() -> Counter:
    return Counter(message.to[0] for message in mail.outbox)


def sweep(capture, *, now):
    """What beat runs every minute: the outbox's sweep, which runs employers' (employers/hooks.py)."""
    with capture(execute=True):
        outbox.sweep(now=now)


def test_a_worker_killed_mid_batch_leaves_every_person_exactly_one_email(
    db, settings, dying_mail, django_capture_on_commit_callbacks
):
    settings.EMPLOYERS_INVITATION_BATCH = 100
    upload = imported_roster(300)
    dying_mail.append(151)  # the worker dies half-way through the second batch

    with pytest.raises(mail_backends.WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        invitations_dispatch.delay(upload_id=upload.pk)

    assert len(mail.outbox) == 151
    assert Invitation.objects.filter(status=DeliveryStatus.SENDING).count() == 49  # its claims
    assert Invitation.objects.filter(status=DeliveryStatus.PENDING).count() == 100  # never published

    sweep(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(minutes=1))
    assert len(mail.outbox) == 251  # the third batch, whose publishing the dead worker never did
    sweep(django_capture_on_commit_callbacks, now=timezone.now() + LATER)

    everyone = set(Invitee.objects.filter(created_by_upload=upload).values_list("email", flat=True))
    assert emails_per_person() == Counter(dict.fromkeys(everyone, 1))
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Invitee.objects.values_list("status", flat=True)) == {InviteeStatus.INVITED}


def test_a_claim_younger_than_the_timeout_is_left_to_its_worker(db, django_capture_on_commit_callbacks):
    (invitation,) = pending(1)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )

    sweep(django_capture_on_commit_callbacks, now=timezone.now() + CLAIM_TIMEOUT - timedelta(minutes=1))

    assert mail.outbox == []
    assert Invitation.objects.get().status == DeliveryStatus.SENDING


def test_invitations_left_sending_by_the_old_code_are_sent(db, django_capture_on_commit_callbacks):
    stuck = pending(3)
    Invitation.objects.update(status=DeliveryStatus.SENDING, claimed_at=None)  # as the old code left them

    sweep(django_capture_on_commit_callbacks, now=timezone.now())

    assert emails_per_person() == Counter({i.invitee.email: 1 for i in stuck})


def test_a_permanent_refusal_fails_that_invitation_and_the_batch_goes_on(
    db, refusing_mail, django_capture_on_commit_callbacks
):
    first, gone, last = pending(3)
    refusing_mail[gone.invitee.email] = (550, b"5.1.1 No such user")

    sent = invitations_send(invitation_ids=[first.pk, gone.pk, last.pk])

    assert sent == 2
    assert sorted(emails_per_person()) == sorted([first.invitee.email, last.invitee.email])
    gone.refresh_from_db()
    assert (gone.status, gone.attempts) == (DeliveryStatus.FAILED, 1)
    assert "No such user" in gone.last_error
    assert Invitee.objects.get(pk=gone.invitee_id).status == InviteeStatus.ADDED  # never invited
    assert AuditEvent.objects.filter(action="employers.invitation.failed", target_id=str(gone.pk)).exists()

    refusing_mail.clear()
    sweep(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(days=1))
    assert len(mail.outbox) == 2  # a refusal for good is not retried


def test_a_transient_refusal_is_sent_again_after_a_pause(
    db, refusing_mail, django_capture_on_commit_callbacks
):
    first, busy = pending(2)
    refusing_mail[busy.invitee.email] = (451, b"4.7.1 Try again later")
    start = timezone.now()

    assert invitations_send(invitation_ids=[first.pk, busy.pk], now=start) == 1

    busy.refresh_from_db()
    assert (busy.status, busy.attempts, busy.next_attempt_at) == (
        DeliveryStatus.PENDING,
        1,
        start + RETRY_PAUSES[0],
    )
    sweep(django_capture_on_commit_callbacks, now=start + timedelta(seconds=30))
    assert len(mail.outbox) == 1  # not before its pause is over

    refusing_mail.clear()
    sweep(django_capture_on_commit_callbacks, now=start + timedelta(minutes=2))
    busy.refresh_from_db()
    assert (busy.status, busy.attempts) == (DeliveryStatus.SENT, 2)
    assert emails_per_person() == Counter({first.invitee.email: 1, busy.invitee.email: 1})


def test_a_mail_server_that_is_down_puts_the_whole_batch_back_in_line(db, refusing_mail):
    invitations = pending(3)
    mail_backends.CONNECTION_ERROR.append(ConnectionRefusedError(111, "Connection refused"))

    assert invitations_send(invitation_ids=[i.pk for i in invitations]) == 0

    assert set(Invitation.objects.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 1)}


def test_a_lost_dispatch_is_done_by_the_sweep(db, django_capture_on_commit_callbacks):
    upload = imported_roster(5)  # its dispatch task was lost with the broker's data

    sweep(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(minutes=1))
    assert mail.outbox == []  # not yet: its dispatch may still be on its way
    sweep(django_capture_on_commit_callbacks, now=timezone.now() + LATER)

    everyone = Invitee.objects.filter(created_by_upload=upload).values_list("email", flat=True)
    assert emails_per_person() == Counter(dict.fromkeys(everyone, 1))
    upload.refresh_from_db()
    assert upload.invitations_made_at is not None


def test_lost_send_batches_are_published_by_the_sweep_once(db, django_capture_on_commit_callbacks):
    invitations = pending(4)  # made, but their batch task was lost

    sweep(django_capture_on_commit_callbacks, now=timezone.now() + LATER)
    sweep(django_capture_on_commit_callbacks, now=timezone.now() + LATER + timedelta(minutes=1))

    assert emails_per_person() == Counter({i.invitee.email: 1 for i in invitations})


# --- Roster jobs ----------------------------------------------------------------------------------


def test_a_reading_whose_worker_died_is_read_again_from_the_start(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="mixed.csv"
    )
    rows, errors = RosterRow.objects.count(), RosterError.objects.count()
    # As a worker that died half-way leaves it: reading, claimed long ago, some rows staged.
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATING, claimed_at=timezone.now() - LONG_AGO
    )
    RosterRow.objects.filter(upload=upload).first().delete()

    sweep(django_capture_on_commit_callbacks, now=timezone.now())

    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == (UploadStatus.VALIDATED, 1)
    assert (RosterRow.objects.count(), RosterError.objects.count()) == (rows, errors)  # not doubled


def test_a_reading_whose_task_was_lost_is_published_again(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="mixed.csv"
    )
    RosterUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.QUEUED)
    RosterRow.objects.all().delete()

    sweep(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(minutes=5))
    assert RosterUpload.objects.get().status == UploadStatus.QUEUED  # its task may be on its way
    sweep(django_capture_on_commit_callbacks, now=timezone.now() + LATER)
    assert RosterUpload.objects.get().status == UploadStatus.VALIDATED


def test_an_import_whose_worker_died_is_done_by_the_sweep(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="mixed.csv"
    )
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.IMPORTING, claimed_at=timezone.now() - LONG_AGO
    )

    sweep(django_capture_on_commit_callbacks, now=timezone.now())

    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED
    assert Invitee.objects.filter(organization=employer).count() == 2


def test_a_job_that_keeps_losing_its_worker_fails_with_a_message(
    employer, django_capture_on_commit_callbacks
):
    upload = RosterUploadFactory(
        organization=employer,
        status=UploadStatus.VALIDATING,
        claimed_at=timezone.now() - LONG_AGO,
        attempts=jobs.MAX_HANDOVERS,
    )

    sweep(django_capture_on_commit_callbacks, now=timezone.now())

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failure == (
        "The work on this file stopped 4 times without finishing, and nothing was imported. "
        "Upload it again, or split it into smaller files."
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reading_past_the_soft_time_limit_stops_cleanly_with_a_message(employer, employer_admin):
    rows = b"".join(b"Ana,Garcia,ana%d@example.org,1980-01-01\n" % n for n in range(300_000))
    upload = RosterUploadFactory(organization=employer, status=UploadStatus.QUEUED, file_format="csv")
    upload.file.save("big.csv", ContentFile(b"first name,last name,email,date of birth\n" + rows))

    # Celery's soft limit arrives as a signal whose handler raises SoftTimeLimitExceeded.
    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        roster_upload_validate(upload_id=upload.pk)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failure == (
        "Reading the file took longer than the 50 minutes allowed, and nothing was kept. "
        "Split it into smaller files."
    )
    assert not RosterRow.objects.filter(upload=upload).exists()


def test_a_worker_slower_than_the_claim_timeout_sends_at_most_the_email_in_hand_again(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mail_backends.StallingBackend"
    invitations = pending(5)
    stalled = time_machine.travel(timezone.now() + LATER, tick=True)

    def the_sweep_runs_meanwhile():
        stalled.start()  # the mail server answers only after the claim timeout
        with django_capture_on_commit_callbacks(execute=True):
            invitations_sweep()  # another worker takes the batch back

    mail_backends.STALL.append(the_sweep_runs_meanwhile)
    try:
        invitations_send(invitation_ids=[i.pk for i in invitations])
    finally:
        stalled.stop()

    # The first e-mail was in hand when the sweep took the batch back: it goes twice. The slow
    # worker sends none of the others, whose claims it no longer holds.
    counts = emails_per_person()
    assert counts[invitations[0].invitee.email] == 2
    assert [counts[i.invitee.email] for i in invitations[1:]] == [1, 1, 1, 1]
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_batch_younger_than_half_the_claim_timeout_is_sent_without_asking_for_its_claims_again(
    db, django_assert_max_num_queries
):
    invitations = pending(10)

    # The claim, the batch's read, one mark per e-mail, the audit rows: no renewal of a claim.
    with django_assert_max_num_queries(10 + 3):
        assert invitations_send(invitation_ids=[i.pk for i in invitations]) == 10
