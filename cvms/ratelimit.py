"""A fixed-window counter in the cache (like allauth's rate limits): the helpdesk's registration,
the tries at proving an invitation is one's own."""

import hashlib
import time

from django.core.cache import cache


def attempt_allowed(*, scope: str, key: str, limit: int, period: int) -> bool:
    """Count one attempt of `key` in `scope`; False once more than `limit` fall in `period` seconds."""
    digest = hashlib.sha256(f"{scope}:{key}".lower().encode()).hexdigest()
    window = int(time.time() // period)
    cache_key = f"cvms:ratelimit:{digest}:{window}"
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period)
        count = 1
    return count <= limit
