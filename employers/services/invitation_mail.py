"""The invitation e-mails of a sending batch, made cheaply: the template is rendered, and its MIME
message built by Django, once per (language, organization) of the batch with stand-ins for the
name, the link and the address; each e-mail is that message with its own values put in.

Rendering and building MIME one e-mail at a time took about 4 ms of a worker's CPU per e-mail, as
much as sending it to a mail server; putting three values into bytes takes a few microseconds.
An e-mail comes out as `render_email` and Django's `EmailMultiAlternatives` would make it
(tests/employers/test_invitation_mail.py compares them), and where a value could make the two
differ (a name with odd spaces, a very long one, an address that isn't plain ASCII) that one
e-mail is made the slow way.
"""

import secrets
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME
from django.urls import reverse
from django.utils.html import escape

from cvms.emails import render_email
from cvms.sites import absolute_url
from employers.models import Invitation
from employers.selectors import invitation_token

# A value longer than this is put in the slow way: no line of the message may pass 998 bytes
# (RFC 5322), and Django then switches the part to quoted-printable, which the stand-ins don't fit.
LONGEST_FAST_VALUE = 200


class Raw:
    """A MIME message already made: what Django's mail backends ask of `message()`."""

    def __init__(self, data: bytes):
        self.data = data

    def as_bytes(self, linesep: str = "\n") -> bytes:
        return self.data if linesep == "\n" else self.data.replace(b"\n", linesep.encode())

    def as_string(self, linesep: str = "\n") -> str:
        return self.as_bytes(linesep).decode()

    def get_charset(self):
        """None: the console backend (make run) then reads the bytes as UTF-8, which they are."""
        return None


class PreparedEmail(EmailMultiAlternatives):
    """An invitation whose MIME form is made already (its subject, text and HTML are set too, for
    the tests' in-memory outbox and for anyone who reads them)."""

    def __init__(self, *, raw: bytes, **kwargs):
        super().__init__(**kwargs)
        self.raw = raw

    def message(self, *, policy=None):
        return Raw(self.raw)


class _Form:
    """One (language, organization)'s e-mail with stand-ins: rendered and built once."""

    def __init__(self, *, language: str, organization: str, expires_at):
        tag = secrets.token_hex(6)
        # The non-ASCII letter makes Django declare both parts 8bit: any name then fits them.
        self.name, self.link = f"nameé{tag}", f"link{tag}"
        self.to, self.msgid = f"to{tag}@example.invalid", f"<id{tag}@example.invalid>"
        self.rendered = render_email(
            "employers/invitation",
            _context(name=self.name, organization=organization, link=self.link, expires_at=expires_at),
            language=language,
        )
        message = EmailMultiAlternatives(
            subject=self.rendered["subject"],
            body=self.rendered["text"],
            to=[self.to],
            headers={"Message-ID": self.msgid},
        )
        message.attach_alternative(self.rendered["html"], "text/html")
        raw = message.message().as_bytes()
        # The text part comes first; the HTML part takes the name escaped.
        self.text_part, html = raw.split(b"Content-Type: text/html", 1)
        self.html_part = b"Content-Type: text/html" + html
        longest = max(len(line) for line in raw.split(b"\n"))
        self.usable = (
            raw.count(b"Content-Transfer-Encoding: 8bit") == 2
            and longest + 3 * LONGEST_FAST_VALUE < 998
            and self.msgid.encode() in self.text_part
        )

    def email(self, *, name: str, link: str, to: str) -> PreparedEmail:
        text_part = (
            self.text_part.replace(self.msgid.encode(), make_msgid(domain=DNS_NAME).encode(), 1)
            .replace(self.to.encode(), to.encode(), 1)
            .replace(self.name.encode(), name.encode())
            .replace(self.link.encode(), link.encode())
        )
        html_name, html_link = escape(name), escape(link)
        html_part = self.html_part.replace(self.name.encode(), html_name.encode()).replace(
            self.link.encode(), html_link.encode()
        )
        rendered = self.rendered
        email = PreparedEmail(
            raw=text_part + html_part,
            subject=rendered["subject"],
            body=rendered["text"].replace(self.name, name).replace(self.link, link),
            to=[to],
        )
        email.attach_alternative(
            rendered["html"].replace(self.name, html_name).replace(self.link, html_link), "text/html"
        )
        return email


def _context(*, name: str, organization: str, link: str, expires_at) -> dict:
    return {
        "name": name,
        "organization": organization,
        "link": link,
        "expires_at": expires_at,
        "days": settings.EMPLOYERS_INVITATION_DAYS,
    }


def invitation_link(invitation: Invitation) -> str:
    return absolute_url(reverse("me:employers.invitation", kwargs={"token": invitation_token(invitation)}))


def _fits(name: str, to: str) -> bool:
    """Whether the stand-ins can take these values and the e-mail come out as the slow way's: the
    plain text collapses runs of spaces in a name (cvms/mailtext.py), and a header takes only a
    plain ASCII address as it is."""
    return (
        name == " ".join(name.split())
        and len(name.encode()) <= LONGEST_FAST_VALUE
        and len(to) <= LONGEST_FAST_VALUE
        and to.isascii()
        and "\n" not in to
    )


def invitation_email_slow(invitation: Invitation) -> EmailMultiAlternatives:
    """One invitation's e-mail, rendered and built on its own."""
    invitee = invitation.invitee
    rendered = render_email(
        "employers/invitation",
        _context(
            name=invitee.first_name,
            organization=invitee.organization.name,
            link=invitation_link(invitation),
            expires_at=invitation.expires_at,
        ),
        language=invitee.language,
    )
    message = EmailMultiAlternatives(subject=rendered["subject"], body=rendered["text"], to=[invitee.email])
    message.attach_alternative(rendered["html"], "text/html")
    return message


class InvitationEmails:
    """The e-mails of one batch: `email(invitation)` for each, its invitee and organization
    loaded with it."""

    def __init__(self):
        self.forms: dict[tuple, _Form] = {}

    def email(self, invitation: Invitation) -> EmailMultiAlternatives:
        invitee = invitation.invitee
        if not _fits(invitee.first_name, invitee.email):
            return invitation_email_slow(invitation)
        key = (invitee.language, invitee.organization.name, invitation.expires_at)
        form = self.forms.get(key)
        if form is None:
            form = self.forms[key] = _Form(
                language=invitee.language,
                organization=invitee.organization.name,
                expires_at=invitation.expires_at,
            )
        if not form.usable:
            return invitation_email_slow(invitation)
        return form.email(name=invitee.first_name, link=invitation_link(invitation), to=invitee.email)
