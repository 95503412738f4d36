"""An SMTP server's answers, for tests: Django's in-memory outbox, except for the addresses that
a test tells it to refuse, with the code a real server would give."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

# address -> (SMTP code, message). Set by the test (and cleared after it).
REFUSALS: dict[str, tuple[int, bytes]] = {}
# Set to an exception to make the whole connection fail (a server that is down).
CONNECTION_ERROR: list[Exception] = []


class RefusingBackend(EmailBackend):
    def open(self):
        if CONNECTION_ERROR:
            raise CONNECTION_ERROR[0]
        return super().open()

    def send_messages(self, messages):
        if CONNECTION_ERROR:
            raise CONNECTION_ERROR[0]
        for message in messages:
            refused = {to: REFUSALS[to] for to in message.to if to in REFUSALS}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)


class WorkerKilled(BaseException):
    """The worker process ends mid-task (kill -9, out of memory): no `except Exception` runs."""


# Set to n: the worker "dies" as it is about to send its (n + 1)th e-mail.
DIES_AFTER: list[int] = []
SENT_BEFORE_DYING: list[int] = [0]


class DyingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            if DIES_AFTER and SENT_BEFORE_DYING[0] >= DIES_AFTER[0]:
                DIES_AFTER.clear()  # a worker dies once; the next one lives
                raise WorkerKilled
            super().send_messages([message])
            SENT_BEFORE_DYING[0] += 1
        return len(messages)


# Set to a function: called once, as the first e-mail is about to go (a mail server that stalls
# so long that the claim timeout passes meanwhile).
STALL: list = []


class StallingBackend(EmailBackend):
    def send_messages(self, messages):
        if STALL:
            STALL.pop()()
        return super().send_messages(messages)
