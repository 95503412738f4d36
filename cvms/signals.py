"""Audit receivers for events that Django and allauth announce: logins, failed logins, logouts
and changes to two-factor authentication."""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from cvms.audit import audit
from cvms.middleware import session_start


@receiver(auth_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit(action="account.login", by=user, target=user, request=request)
    if request is not None and hasattr(request, "session"):
        session_start(request.session)


@receiver(auth_signals.user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit(action="account.logout", by=user, target=user, request=request)


@receiver(auth_signals.user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    tried = credentials.get("email") or credentials.get("username") or ""
    audit(action="account.login_failed", by=None, actor_email=str(tried)[:254], request=request)


def _mfa_receiver(action: str):
    def record(sender, request, user, authenticator, **kwargs):
        audit(action=action, by=user, target=user, request=request, data={"type": authenticator.type})

    return record


audit_mfa_added = _mfa_receiver("account.mfa.added")
audit_mfa_removed = _mfa_receiver("account.mfa.removed")
audit_mfa_reset = _mfa_receiver("account.mfa.reset")
mfa_signals.authenticator_added.connect(audit_mfa_added)


@receiver(mfa_signals.authenticator_added)
def count_activation_as_second_factor(sender, request, user, authenticator, **kwargs):
    """Activating TOTP means typing a code the new device made: this session has just passed
    the second factor, so the portal needn't ask for another code at once."""
    if request is not None and authenticator.type == authenticator.Type.TOTP:
        # allauth keeps its record of how the session signed in here (no public writer).
        from allauth.account.internal.flows.login import record_authentication

        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


mfa_signals.authenticator_removed.connect(audit_mfa_removed)
mfa_signals.authenticator_reset.connect(audit_mfa_reset)
