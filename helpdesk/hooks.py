"""What the helpdesk contributes to every request (hook points: cvms/hooks.py).

Requesters who signed in with the temporary password we e-mailed must choose their own before
anything else. The flag lives in the session (set at login from the requester's profile, see
helpdesk/receivers.py), so other people's requests cost no query.
"""

from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "helpdesk.must_change_password"


def request_check(request):
    """Send a requester who still holds the temporary password to the page that replaces it."""
    if not request.session.get(SESSION_KEY):
        return None
    allowed = {reverse("help:password.set"), reverse("account_logout")}
    if request.path in allowed or request.path.startswith(("/static/", "/i18n/")):
        return None
    return redirect("help:password.set")
