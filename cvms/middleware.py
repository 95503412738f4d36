"""The core's request middleware: how long a signed-in session lives, headers that keep personal
data out of caches, the apps' checks of every request (`request_check`, cvms/hooks.py), the
"please try again" page for a lock that waited too long, and the request's address for the links
of e-mails."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cvms.dbbackend.base import is_connection_lost
from cvms.hooks import contributions
from cvms.locking import LockTimeout, is_lock_timeout
from cvms.roles import Role
from cvms.sites import request_origin

SESSION_STARTED_KEY = "cvms.session.started"
SESSION_ACTIVE_KEY = "cvms.session.active"
# The last-activity stamp is rewritten at most this often, so that a page view doesn't mean a
# session write (the session table is hot enough already).
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_limit_seconds(user) -> int:
    """Staff (anyone who acts for an organization, the state or the helpdesk) are signed out
    sooner than people who only look after their own vaccination."""
    if user.is_staff or user.roles - {Role.RECIPIENT}:
        return settings.SESSION_IDLE_MINUTES_STAFF * 60
    return settings.SESSION_IDLE_MINUTES * 60


def session_start(session, now: float | None = None) -> None:
    """Mark the moment of sign-in (called when someone logs in)."""
    now = int(now if now is not None else time.time())
    session[SESSION_STARTED_KEY] = now
    session[SESSION_ACTIVE_KEY] = now


class SessionTimeoutMiddleware:
    """Signs a person out after a time without activity, and in any case some hours after they
    signed in (SESSION_IDLE_MINUTES_STAFF, SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._expired(request):
            logout(request)
            messages.info(
                request, _("You were signed out after a while without activity. Please sign in again.")
            )
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _expired(self, request) -> bool:
        session, now = request.session, int(time.time())
        if SESSION_STARTED_KEY not in session:
            session_start(session, now)  # a session opened before this rule existed
            return False
        idle = now - session.get(SESSION_ACTIVE_KEY, now)
        lived = now - session[SESSION_STARTED_KEY]
        if idle > idle_limit_seconds(request.user) or lived > settings.SESSION_LIFETIME_HOURS * 3600:
            return True
        if idle >= ACTIVITY_RESOLUTION_SECONDS:
            session[SESSION_ACTIVE_KEY] = now
        return False


class PrivatePagesMiddleware:
    """A page shown to a signed-in person may hold personal data: no browser or proxy may keep
    a copy (`Cache-Control: no-store`), so the back button on a shared computer shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class HookedChecksMiddleware:
    """Runs the apps' `request_check` contributions (cvms/hooks.py) before the view; the first
    one that answers with a response answers the request. Each check runs for every request, so
    each keeps to what it can read without a query (the session, the path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for check in contributions("request_check"):
            response = check(request)
            if response is not None:
                return response
        return self.get_response(request)


def _back_url(request) -> str:
    """Where "back to the page" leads: the page itself when it was only read; after a form was
    sent, the page the form was on (this site's own, never another site's), else home."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    came_from = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        came_from, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return came_from
    return reverse("home")


class LockTimeoutMiddleware:
    """A service that waited too long for rows someone else holds locked raises `LockTimeout`
    (cvms/locking.py), or PostgreSQL's own `lock_not_available` for a wait outside the helpers
    (an UPDATE of a held row), after its transaction rolled back: nothing was changed. The person is
    asked to try again in a moment (503, `Retry-After`), in the site's layout, instead of
    seeing a server error."""

    RETRY_AFTER_SECONDS = 2

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LockTimeout) and not is_lock_timeout(exception):
            return None
        response = render(request, "cvms/lock_timeout.html", {"back_url": _back_url(request)}, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class DatabaseUnavailableMiddleware:
    """The database went away during the request (stopped, restarting: its transaction rolled
    back, nothing was changed): "please try again in a moment" (503, `Retry-After`) rather than
    a server error. Rendered without the request, like the 500 page: its context processors
    would ask the database again. Opening a connection waits out a restart first
    (cvms/dbbackend), so this is the few requests a restart cuts short."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable() if is_connection_lost(exception) else None


def database_unavailable() -> HttpResponse:
    """The 503 page for a database gone away: also the 500 handler's answer to such an error
    raised outside a view, by a middleware reading the session (cvms.views.server_error)."""
    page = loader.render_to_string("503.html", {"site_name": settings.SITE_NAME})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(DatabaseUnavailableMiddleware.RETRY_AFTER_SECONDS)
    return response


class RequestOriginMiddleware:
    """Remembers the request's scheme and host while it is served, for the links of the e-mails
    it sends when SITE_URL is not set (cvms/sites.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            origin = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            origin = ""  # CommonMiddleware answers 400 for it
        token = request_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            request_origin.reset(token)
