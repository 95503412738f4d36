"""Requesters who signed in with the temporary password we e-mailed must choose their own
before anything else. The flag lives in the session (set at login from the requester's
profile), so other people's requests cost no query."""

from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "helpdesk.must_change_password"


class TemporaryPasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_KEY):
            allowed = {reverse("help:password.set"), reverse("account_logout")}
            if request.path not in allowed and not request.path.startswith(("/static/", "/i18n/")):
                return redirect("help:password.set")
        return self.get_response(request)
