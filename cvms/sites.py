"""The address people reach this site at, for links in e-mails.

`SITE_URL` when it is set (production sets it: e-mails sent by a worker or a scheduled task have
no request to go by). Without it, the address of the request being served, so that a sign-up on
http://10.0.0.5:8080/ gets a link to http://10.0.0.5:8080/ and not to the quick start's
127.0.0.1:8000; the host is one ALLOWED_HOSTS accepts (Django refuses the others).
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The origin of the request being served ("https://vaccines.example.gov"), set by
# cvms.middleware.RequestOriginMiddleware for the length of the request.
request_origin: ContextVar[str] = ContextVar("request_origin", default="")

# With neither SITE_URL nor a request (a scheduled reminder under `make run`): the quick start's
# address. `manage.py check --deploy` warns when SITE_URL is missing.
FALLBACK_URL = "http://127.0.0.1:8000"


def site_url() -> str:
    """This site's address, without a trailing slash."""
    return (settings.SITE_URL or request_origin.get() or FALLBACK_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """`path` ("/me/appointments/") as a link for an e-mail."""
    return f"{site_url()}{path}"


@register(Tags.security, deploy=True)
def site_url_set(app_configs, **kwargs):
    """`manage.py check --deploy`: without SITE_URL, e-mails that no request sends (reminders,
    invitations sent by a worker) would link to the quick start's address."""
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: e-mails sent outside a request (reminders, invitations sent by a "
            f"worker) will link to {FALLBACK_URL}.",
            hint="Set SITE_URL to the address people reach this site at (https://...).",
            id="cvms.W001",
        )
    ]
