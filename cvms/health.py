"""`/healthz`: can this process reach what it needs? For the compose healthchecks and a load
balancer. Public and quick: no session, no audit row, no personal data, nothing cached."""

import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views import View
from kombu import Connection

from cvms.access import PublicView

logger = logging.getLogger(__name__)

# Each check waits at most this long for its server, so that a hung server fails the check
# quickly instead of hanging the probe.
TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    token = secrets.token_hex(8)
    cache.set("cvms:healthz", token, timeout=10)
    if cache.get("cvms:healthz") != token:
        raise RuntimeError("the cache didn't give back what was just put in it")


def check_broker() -> None:
    options = {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS}
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=TIMEOUT_SECONDS, transport_options=options
    ) as broker:
        broker.ensure_connection(max_retries=0)  # no retry: the probe asks again soon anyway


def checks() -> dict[str, Callable[[], None]]:
    found = {"database": check_database, "cache": check_cache}
    if settings.CELERY_BROKER_URL:  # without one, tasks run in-process
        found["broker"] = check_broker
    return found


def run_checks() -> dict[str, str]:
    """Each check's answer: "ok" or "failed" (the reason goes to the log, not to the caller)."""
    results = {}
    for name, check in checks().items():
        try:
            check()
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    return results


class HealthView(PublicView, View):
    http_method_names = ["get", "head"]

    def get(self, request):
        results = run_checks()
        healthy = all(result == "ok" for result in results.values())
        response = JsonResponse(results, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response
