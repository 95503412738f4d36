"""Whoever holds an invitation link proves it is theirs before the link shows or does anything.

A link can be forwarded, or opened on a computer where someone else is signed in. So before the
registration page shows what the organization told us about the person (name, date of birth) or
uses the invitation, the holder proves they are the person it was sent to, in one of three ways
(`InvitationProof`):

- signed in with an account whose verified e-mail address is the invited one;
- a one-time code e-mailed to the invited address, typed back on the page;
- the date of birth on the roster, typed.

Guessing is bounded: a few dates of birth per invitation and hour (whoever tries them), a few
codes e-mailed per invitation and hour, a few tries per code, each code good for minutes.
"""

import secrets
import time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.models import User
from cvms.ratelimit import attempt_allowed
from employers.enums import InvitationProof
from employers.models import Invitation

BIRTH_DATE_TRIES_PER_HOUR = 5
CODES_PER_HOUR = 3
CODE_TRIES = 5
CODE_MINUTES = 15
CODE_DIGITS = 6


class ProofRefused(Exception):
    """The holder's answer didn't prove the invitation is theirs; the message says what to do."""


def invitation_held_by(*, invitation: Invitation, user: User) -> bool:
    """Whether `user` signed in with the invited address (verified: the account proved it reads
    that mailbox, where the link was sent)."""
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.invitee.email, verified=True
    ).exists()


def _proven(invitation: Invitation, how: InvitationProof, request) -> None:
    audit(action="employers.invitation.proven", by=None, target=invitation, request=request, data={"by": how})


def _failed(invitation: Invitation, how: InvitationProof, request) -> None:
    audit(
        action="employers.invitation.proof_failed",
        by=None,
        target=invitation,
        request=request,
        data={"by": how},
    )


# The two checks below aren't atomic on purpose: a refusal raises, and the audit row of the
# failed try must stay.


def invitation_prove_birth_date(*, invitation: Invitation, date_of_birth, request=None) -> None:
    """The holder typed the date of birth on the roster. Raises ProofRefused otherwise, and once
    too many dates were tried for this invitation this hour (by anyone)."""
    if not attempt_allowed(
        scope="invitation-birth-date", key=str(invitation.pk), limit=BIRTH_DATE_TRIES_PER_HOUR, period=3600
    ):
        raise ProofRefused(
            _("Too many dates were tried. Ask for a code by e-mail instead, or try again in an hour.")
        )
    if date_of_birth != invitation.invitee.date_of_birth:
        _failed(invitation, InvitationProof.DATE_OF_BIRTH, request)
        raise ProofRefused(
            _("This is not the date of birth your organization gave us. Ask for a code by e-mail instead.")
        )
    _proven(invitation, InvitationProof.DATE_OF_BIRTH, request)


def _digest(invitation: Invitation, code: str) -> str:
    return salted_hmac("employers.invitation.code", f"{invitation.pk}:{code}").hexdigest()


@transaction.atomic
def invitation_code_send(*, invitation: Invitation, request=None) -> dict:
    """E-mail a one-time code to the invited address. Returns what the caller keeps to check the
    code typed back (its digest, never the code): pass it to `invitation_prove_code`."""
    if not attempt_allowed(
        scope="invitation-code", key=str(invitation.pk), limit=CODES_PER_HOUR, period=3600
    ):
        raise ProofRefused(_("Several codes were sent already. Use the latest one, or try again in an hour."))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    invitee = invitation.invitee
    send_templated_email(
        to=invitee.email,
        template="employers/invitation_code",
        context={"name": invitee.first_name, "code": code, "minutes": CODE_MINUTES},
        language=invitee.language or settings.LANGUAGE_CODE,
    )
    audit(action="employers.invitation.code_sent", by=None, target=invitation, request=request)
    return {
        "invitation": invitation.pk,
        "digest": _digest(invitation, code),
        "expires": time.time() + CODE_MINUTES * 60,
        "tries": 0,
    }


def invitation_prove_code(*, invitation: Invitation, code: str, kept: dict | None, request=None) -> None:
    """The holder typed back the code e-mailed to the invited address. `kept` is what
    `invitation_code_send` returned; its count of tries goes up with each wrong code. Raises
    ProofRefused for a wrong, expired or worn-out code."""
    if not kept or kept.get("invitation") != invitation.pk or time.time() > kept["expires"]:
        raise ProofRefused(_("This code has expired. Ask for a new one."))
    if kept["tries"] >= CODE_TRIES:
        raise ProofRefused(_("Too many wrong codes. Ask for a new one."))
    if not constant_time_compare(kept["digest"], _digest(invitation, code.strip())):
        kept["tries"] += 1
        _failed(invitation, InvitationProof.EMAIL, request)
        raise ProofRefused(_("This is not the code we sent. Check the latest e-mail and try again."))
    _proven(invitation, InvitationProof.EMAIL, request)
