"""A real Celery worker consumes a task from Redis; the e-mail it sends lands in the outbox."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from cvms.celery import app
from cvms.emails import send_templated_email


@pytest.fixture
def redis_worker(settings):
    broker = os.environ["CELERY_BROKER_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=broker, task_always_eager=False)
    # The worker runs in a thread of this process, so it shares the locmem mail outbox.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(task_always_eager=True)


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_email_task_is_consumed_from_redis_by_a_real_worker(redis_worker):
    with transaction.atomic():
        send_templated_email(
            to="someone@example.org",
            template="notice",
            context={"subject": "Hola", "name": "Rosa", "paragraphs": ["Su cita está confirmada."]},
            language="es",
        )
        assert mail.outbox == []  # nothing is queued before the transaction commits

    assert wait_until(lambda: len(mail.outbox) == 1), "the worker never sent the e-mail"
    message = mail.outbox[0]
    assert message.to == ["someone@example.org"]
    assert message.subject == "Hola"
    assert "Hola Rosa," in message.body  # rendered in Spanish
    assert "Su cita está confirmada." in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "<p>Su cita está confirmada.</p>" in html


@pytest.mark.django_db(transaction=True)
def test_email_is_not_sent_when_the_transaction_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_templated_email(to="someone@example.org", template="notice", context={"subject": "x"})
        raise RuntimeError("the change failed")
    assert mail.outbox == []
