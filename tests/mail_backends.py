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
