"""The shared cache on Redis (cvms/cache.py): Django's backend, with one Redis client per pool."""

import os
import uuid

import pytest
from django.core.cache import caches

from cvms.cache import RedisCache


@pytest.fixture
def redis_cache(settings):
    # The broker's Redis, under keys of this test's own (never FLUSHDB: the broker's queues are there).
    settings.CACHES = {
        "shared": {
            "BACKEND": "cvms.cache.RedisCache",
            "LOCATION": os.environ["CELERY_BROKER_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    cache = caches["shared"]
    assert isinstance(cache, RedisCache)
    yield cache
    cache.delete_many(["chart", "a", "b", "drawn"])


@pytest.mark.redis
def test_the_cache_keeps_reads_and_forgets_values_through_one_client(redis_cache):
    redis_cache.set("chart", {"Wake County": 3}, 60)
    redis_cache.set_many({"a": 1, "b": 2}, 60)

    assert redis_cache.get("chart") == {"Wake County": 3}
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert redis_cache.incr("a") == 2  # a reply parsed by the kept client's parsers
    assert redis_cache.add("a", 10) is False
    assert redis_cache.get_or_set("drawn", lambda: "<svg/>", 60) == "<svg/>"
    redis_cache.delete("chart")
    assert redis_cache.get("chart") is None
    client = redis_cache._cache
    assert client.get_client() is client.get_client(write=True)  # one server: one pool, one client
