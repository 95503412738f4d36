"""Audit receivers for events that Django and allauth announce: logins, failed logins, logouts
and changes to two-factor authentication."""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from cvms.audit import audit


@receiver(auth_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit(action="account.login", by=user, target=user, request=request)


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
mfa_signals.authenticator_removed.connect(audit_mfa_removed)
mfa_signals.authenticator_reset.connect(audit_mfa_reset)
