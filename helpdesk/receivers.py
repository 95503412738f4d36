from django.contrib.auth import signals
from django.dispatch import receiver

from helpdesk.hooks import SESSION_KEY
from helpdesk.models import RequesterProfile


@receiver(signals.user_logged_in)
def flag_temporary_password(sender, request, user, **kwargs):
    """Remember in the session that this sign-in used the e-mailed temporary password."""
    if request is not None and RequesterProfile.objects.filter(user=user, must_change_password=True).exists():
        request.session[SESSION_KEY] = True
