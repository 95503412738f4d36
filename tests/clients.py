"""The test client the suite signs people in with.

`force_login` skips the sign-in pages. For people with a TOTP device it also records, as allauth
does at a real sign-in, that the session passed the second factor: the state official of a test
is "signed in properly" unless the test says otherwise. Tests of the second factor itself sign in
through the pages, or use `force_login(user, second_factor=False)`.
"""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.test import Client

from cvms.access import has_mfa


class SignInClient(Client):
    def force_login(self, user, backend=None, *, second_factor: bool = True):
        super().force_login(user, backend)
        if second_factor and has_mfa(user):
            session = self.session
            now = time.time()
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": now, "email": user.email},
                {"method": "mfa", "at": now, "type": "totp"},
            ]
            session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
            session.save()
