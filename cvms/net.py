"""The client's address, the one way every part of CVMS reads it.

Behind the TLS proxy (or load balancer) that production puts in front of gunicorn, REMOTE_ADDR
is the proxy's address: every limit keyed on it would be shared by the whole state, and the audit
trail would name the proxy. Each proxy appends the address it saw to X-Forwarded-For, so with
TRUSTED_PROXY_COUNT proxies of our own in front, the client is the entry that many places from
the right; anything further left was written by the client and can't be trusted.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person's machine, as the outermost of our trusted proxies saw it."""
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        # Not through the proxy (a health check from inside the network, say).
        return remote
    if len(forwarded) < proxies:
        logger.warning(
            "X-Forwarded-For has %d entries but TRUSTED_PROXY_COUNT is %d; using the connecting address",
            len(forwarded),
            proxies,
        )
        return remote
    return _address(forwarded[-proxies]) or remote
