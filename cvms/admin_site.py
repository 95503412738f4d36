"""The Django admin, for the system's operators, behind the same sign-in as every portal.

Django's own admin login checks a password and nothing else, and the admin opens everyone's
records. So the admin has no login form of its own: it sends people to the account login
(allauth: rate limits, the second factor, the audit of every attempt), and it opens only for
staff whose session passed the second factor.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from cvms.access import forbidden, has_mfa, second_factor_step, session_passed_mfa


class OperatorAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and has_mfa(user) and session_passed_mfa(request)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if not (request.user.is_active and request.user.is_staff):
            return forbidden(request)
        return second_factor_step(request, next_url) or redirect(next_url)
