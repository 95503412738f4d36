"""An invitation e-mail made from its batch's one rendering says what the slow way (a template
rendered and a MIME message built for that one e-mail) says, in both languages, whatever the name."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.utils import timezone

from employers.services.invitation_mail import InvitationEmails, PreparedEmail, invitation_email_slow
from employers.services.sending import invitations_send
from tests.employers.factories import InvitationFactory, InviteeFactory
from tests.factories import EmployerFactory

NAMES = ["Ana", "José Núñez", "O'Brien & <Sons>", "Zoë-Émilie", "李小龙", "Mary Ann"]


def parsed(message) -> dict:
    """What a person's mail program shows of a message: its headers and its two parts."""
    parsed = message_from_bytes(message.message().as_bytes(linesep="\r\n"), policy=policy.default)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    return {
        "subject": parsed["Subject"],
        "from": parsed["From"],
        "to": parsed["To"],
        "text": text.get_content(),
        "html": html.get_content(),
        "encodings": [text["Content-Transfer-Encoding"], html["Content-Transfer-Encoding"]],
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_email_made_from_the_batchs_rendering_says_what_its_own_rendering_says(db, language):
    organization = EmployerFactory(name="Peña & Sons, Café")
    expires_at = timezone.now() + timedelta(days=14)  # as the batch's claim set it
    emails = InvitationEmails()

    for name in NAMES:
        invitation = InvitationFactory(
            invitee=InviteeFactory(organization=organization, first_name=name, language=language),
            expires_at=expires_at,
        )
        fast = emails.email(invitation)
        slow = invitation_email_slow(invitation)

        assert isinstance(fast, PreparedEmail)
        assert parsed(fast) == parsed(slow)
        assert (fast.subject, fast.body, fast.to, fast.alternatives) == (
            slow.subject,
            slow.body,
            slow.to,
            slow.alternatives,
        )
    assert len(emails.forms) == 1  # one rendering for the whole batch


def test_each_email_of_a_batch_has_a_message_id_of_its_own(db):
    emails = InvitationEmails()
    ids = {
        parsed_id
        for invitation in InvitationFactory.create_batch(3)
        for parsed_id in [message_from_bytes(emails.email(invitation).message().as_bytes())["Message-ID"]]
    }

    assert len(ids) == 3


@pytest.mark.parametrize(
    ("name", "email"),
    [("Ana  María", "ana@example.org"), ("Ana", "josé@exämple.org"), ("É" * 150, "long@example.org")],
)
def test_a_value_the_batchs_rendering_cant_take_is_rendered_on_its_own(db, name, email):
    invitation = InvitationFactory(invitee__first_name=name, invitee__email=email)

    made = InvitationEmails().email(invitation)

    assert not isinstance(made, PreparedEmail)
    assert parsed(made) == parsed(invitation_email_slow(invitation))


def test_a_batch_in_two_languages_sends_each_person_their_own(db):
    spanish = InvitationFactory(invitee__first_name="Rosa", invitee__language="es", status="pending")
    english = InvitationFactory(invitee__first_name="Mark", invitee__language="en", status="pending")

    assert invitations_send(invitation_ids=[spanish.pk, english.pk]) == 2

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Hola Rosa," in bodies[spanish.invitee.email]
    assert "Hello Mark," in bodies[english.invitee.email]


@pytest.mark.parametrize("backend", ["console", "filebased"])
def test_make_runs_mail_backends_write_the_invitation_and_mark_it_sent(
    db, settings, tmp_path, capsys, backend
):
    """make run prints e-mail on the console: a batch's prepared message must suit it as well as
    SMTP (it once failed every invitation 'for good' there)."""
    settings.EMAIL_BACKEND = f"django.core.mail.backends.{backend}.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    invitation = InvitationFactory(invitee__first_name="Rosa", invitee__language="es", status="pending")

    assert invitations_send(invitation_ids=[invitation.pk]) == 1

    written = capsys.readouterr().out if backend == "console" else next(tmp_path.iterdir()).read_text()
    assert invitation.invitee.email in written and "Subject:" in written
    invitation.refresh_from_db()
    assert invitation.status == "sent"


@pytest.fixture
def prepared_statements_connection():
    """The default connection as a web process with DATABASE_PREPARED_STATEMENTS opens it: its
    statements bound on the server, one command each (no mogrify, no two commands at once)."""
    from django.db import connection

    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    connection.close()
    options.update(server_side_binding=True, prepare_threshold=5)
    try:
        yield connection
    finally:
        connection.close()
        options.clear()
        options.update(saved)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_invitations_sent_in_a_process_that_prepares_its_statements_are_marked_sent(
    prepared_statements_connection,
):
    """A web process running the sending task in-process (tasks eager) binds on the server: the
    worker's pipelined marks can't run there, and each mark goes as one plain statement."""
    invitations = [InvitationFactory(status="pending") for _ in range(3)]

    assert invitations_send(invitation_ids=[invitation.pk for invitation in invitations]) == 3

    # The task really ran on such a connection (Django's cursor that binds on the server).
    assert type(prepared_statements_connection.connection.cursor()).__name__ == "ServerBindingCursor"
    for invitation in invitations:
        invitation.refresh_from_db()
        assert (invitation.status, invitation.invitee.status) == ("sent", "invited")
    assert len(mail.outbox) == 3
