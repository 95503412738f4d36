"""With the broker down (issue 13, finding 6), signing in answers normally: the e-mail it promises
waits in the outbox, and the sweep sends it once the broker is back. (Password reset: see
test_outbox.py; booking, uploads and exports: their apps' test_broker_outage.py.)"""

import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms import emails, outbox
from cvms.models import OutboundEmail, OutboxStatus, OutboxTask
from tests.brokers import back_up
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_login_with_an_unverified_address_answers_and_its_mail_waits(client, broker_down):
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)

    started = time.monotonic()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    elapsed = time.monotonic() - started

    assert response.status_code == 302  # to "confirm your address", not a 500
    assert response["Location"] == reverse("account_email_verification_sent")
    assert elapsed < 5
    email = OutboundEmail.objects.get()
    assert (email.status, email.to) == (OutboxStatus.PENDING, [user.email])
    assert OutboxTask.objects.get().dispatched_at is None
    assert mail.outbox == []

    back_up()
    outbox.sweep(now=timezone.now() + timedelta(minutes=1))

    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "confirm" in mail.outbox[0].body.lower()


def test_an_email_whose_task_the_broker_lost_is_sent_by_the_sweep(db):
    # Published (the outbox counts it dispatched), then Redis lost its data before a worker took it.
    email = OutboundEmail.objects.create(to=["rosa@example.org"], subject="Hello", text="Hi")

    outbox.sweep(now=timezone.now() + timedelta(minutes=1))
    assert mail.outbox == []  # its task may still be on its way
    outbox.sweep(now=timezone.now() + emails.CLAIM_TIMEOUT + timedelta(minutes=1))

    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert [m.to for m in mail.outbox] == [["rosa@example.org"]]
