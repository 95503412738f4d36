"""The outbox (issue 13, findings 6 and 7): an e-mail or a task promised by a committed change is
never lost — not when the broker is down, not when a worker dies, not when the mail server
refuses one address — and never sent twice."""

import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cvms import emails, outbox
from cvms.models import OutboundEmail, OutboxStatus, OutboxTask
from cvms.tasks import send_email
from tests import mail_backends
from tests.brokers import back_up
from tests.factories import UserFactory


def test_an_email_is_written_with_the_change_and_sent_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.enqueue_email(to=["rosa@example.org"], subject="Hello", text="Hi Rosa")

    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert [m.to for m in mail.outbox] == [["rosa@example.org"]]
    assert OutboxTask.objects.get().dispatched_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_mails_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.enqueue_email(to=["rosa@example.org"], subject="Hello", text="Hi")
        raise RuntimeError("the change failed")

    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_task_arguments_are_ids_not_text(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = emails.enqueue_email(to=["rosa@example.org"], subject="Secret", text="Date of birth 1990")

    assert OutboxTask.objects.get().kwargs == {"email_id": email.pk}


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_request_answers_and_the_mail_waits(client, broker_down):
    user = UserFactory()

    started = time.monotonic()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    elapsed = time.monotonic() - started

    assert response.status_code == 302  # not a 500 after committing
    assert elapsed < 5
    email = OutboundEmail.objects.get()
    assert (email.status, email.to) == (OutboxStatus.PENDING, [user.email])
    assert OutboxTask.objects.get().dispatched_at is None
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_what_waited_once_the_broker_is_back(client, broker_down):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    back_up()

    outbox.sweep(now=timezone.now() + timedelta(minutes=1))

    assert OutboundEmail.objects.get().status == OutboxStatus.SENT
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert OutboxTask.objects.get().dispatched_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_recent_rows_to_their_own_publish(broker_down):
    with transaction.atomic():
        emails.enqueue_email(to=["rosa@example.org"], subject="Hello", text="Hi")
    back_up()

    assert outbox.sweep() == 0
    assert mail.outbox == []


def test_a_task_delivered_twice_sends_once(db):
    email = OutboundEmail.objects.create(to=["rosa@example.org"], subject="Hello", text="Hi")

    first = send_email(email_id=email.pk)
    second = send_email(email_id=email.pk)

    assert (first, second) == ("sent", "skipped")
    assert len(mail.outbox) == 1


def test_an_email_held_by_a_dead_worker_is_sent_by_the_sweep(db):
    email = OutboundEmail.objects.create(
        to=["rosa@example.org"],
        subject="Hello",
        text="Hi",
        status=OutboxStatus.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=11),
    )

    outbox.sweep()

    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_an_email_being_sent_right_now_is_left_alone(db):
    OutboundEmail.objects.create(
        to=["rosa@example.org"],
        subject="Hello",
        text="Hi",
        status=OutboxStatus.SENDING,
        claimed_at=timezone.now(),
    )

    outbox.sweep()

    assert mail.outbox == []


def test_a_permanent_refusal_fails_that_email_without_retrying(db, refusing_mail):
    refusing_mail["gone@example.org"] = (550, b"5.1.1 No such user")
    email = OutboundEmail.objects.create(to=["gone@example.org"], subject="Hello", text="Hi")

    assert emails.email_send(email_id=email.pk) == "failed"

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.FAILED, 1)
    assert "No such user" in email.last_error


def test_a_transient_refusal_is_tried_again_after_a_pause(db, refusing_mail):
    refusing_mail["busy@example.org"] = (451, b"4.7.1 Try again later")
    email = OutboundEmail.objects.create(to=["busy@example.org"], subject="Hello", text="Hi")
    start = timezone.now()

    assert emails.email_send(email_id=email.pk, now=start) == "retry"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert email.next_attempt_at == start + emails.RETRY_PAUSES[0]

    outbox.sweep(now=start + timedelta(seconds=30))  # too early
    assert OutboundEmail.objects.get().attempts == 1

    refusing_mail.clear()
    outbox.sweep(now=start + timedelta(minutes=2))
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 2)


def test_a_transient_refusal_gives_up_after_the_last_pause(db, refusing_mail):
    refusing_mail["busy@example.org"] = (451, b"4.7.1 Try again later")
    email = OutboundEmail.objects.create(
        to=["busy@example.org"], subject="Hello", text="Hi", attempts=len(emails.RETRY_PAUSES)
    )

    assert emails.email_send(email_id=email.pk) == "failed"
    assert OutboundEmail.objects.get().status == OutboxStatus.FAILED


def test_one_refused_address_doesnt_hold_back_its_batch(db, refusing_mail):
    refusing_mail["gone@example.org"] = (550, b"5.1.1 No such user")
    addresses = ["a@example.org", "gone@example.org", "b@example.org"]
    ids = [OutboundEmail.objects.create(to=[to], subject="Hello", text="Hi").pk for to in addresses]

    outcome = emails.emails_send(email_ids=ids)

    assert outcome == {"sent": 2, "failed": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no such user")}), False),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (452, b"mailbox full, for now")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (452, b"later"), "b@x.org": (550, b"no")}), False),
        (smtplib.SMTPSenderRefused(553, b"sender refused", "cvms@x.org"), False),
        (smtplib.SMTPDataError(554, b"rejected as spam"), False),
        (smtplib.SMTPDataError(421, b"service not available"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (ValueError("a bug"), False),
    ],
)
def test_smtp_answers_are_told_apart(error, transient):
    assert emails.smtp_error_is_transient(error) is transient


def test_a_mail_server_that_is_down_is_a_transient_failure(db, refusing_mail):
    mail_backends.CONNECTION_ERROR.append(ConnectionRefusedError(111, "Connection refused"))
    email = OutboundEmail.objects.create(to=["rosa@example.org"], subject="Hello", text="Hi")

    assert emails.email_send(email_id=email.pk) == "retry"
