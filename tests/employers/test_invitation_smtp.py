"""A batch of invitations over a real SMTP conversation (Django's SMTP backend, smtplib, an aiosmtpd
server in a thread): one connection for the batch, one statement per e-mail, and a refused address
ending on its own without holding back, losing or repeating the others."""

import socket
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from cvms.models import AuditEvent
from employers.enums import DeliveryStatus, InviteeStatus
from employers.models import Invitation, Invitee
from employers.services.sending import invitations_send
from tests.employers.factories import InvitationFactory, InviteeFactory
from tests.factories import EmployerFactory


class Server:
    """Counts connections and what each address received; refuses the addresses in `refuse`."""

    def __init__(self):
        self.connections = 0
        self.received: Counter = Counter()
        self.refuse: dict[str, str] = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    controller.stop()


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


@pytest.mark.postgres
def test_a_batch_goes_over_one_connection_with_one_statement_per_email(
    db, smtp_server, django_assert_max_num_queries
):
    invitations = pending(20)

    # The claim, the batch's read, one statement per e-mail, the audit rows in one insert.
    with django_assert_max_num_queries(20 + 3):
        sent = invitations_send(invitation_ids=[i.pk for i in invitations])

    assert sent == 20
    assert smtp_server.connections == 1
    assert smtp_server.received == Counter({i.invitee.email: 1 for i in invitations})
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Invitee.objects.values_list("status", flat=True)) == {InviteeStatus.INVITED}
    assert AuditEvent.objects.filter(action="employers.invitation.sent").count() == 20


def test_a_refused_address_fails_alone_and_is_not_retried(db, smtp_server):
    first, gone, busy, last = pending(4)
    smtp_server.refuse = {
        gone.invitee.email: "550 5.1.1 No such user",
        busy.invitee.email: "451 4.7.1 Try again later",
    }

    sent = invitations_send(invitation_ids=[first.pk, gone.pk, busy.pk, last.pk])

    assert sent == 2
    assert smtp_server.received == Counter({first.invitee.email: 1, last.invitee.email: 1})
    gone.refresh_from_db()
    busy.refresh_from_db()
    assert (gone.status, gone.attempts) == (DeliveryStatus.FAILED, 1)  # for good: a 5xx answer
    assert "No such user" in gone.last_error
    assert (busy.status, busy.attempts) == (DeliveryStatus.PENDING, 1)  # again after a pause
    assert busy.next_attempt_at is not None
    assert Invitee.objects.get(pk=gone.invitee_id).status == InviteeStatus.ADDED

    assert invitations_send(invitation_ids=[gone.pk]) == 0  # a failed one is not sent again
    assert smtp_server.received[gone.invitee.email] == 0


def test_without_postgresql_a_batch_is_claimed_and_marked_through_the_orm_alike(db, smtp_server, monkeypatch):
    """`make run` (SQLite) has no UPDATE ... RETURNING nor libpq pipelining: the portable claim
    and marks send each invitation once and mark it sent, the person invited."""
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "sqlite")
    invitations = pending(3)
    ids = [i.pk for i in invitations]

    assert invitations_send(invitation_ids=ids) == 3
    assert invitations_send(invitation_ids=ids) == 0  # each claimed once

    assert smtp_server.received == Counter({i.invitee.email: 1 for i in invitations})
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Invitee.objects.values_list("status", flat=True)) == {InviteeStatus.INVITED}
