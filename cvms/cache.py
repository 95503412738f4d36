"""The shared cache on Redis, with one Redis client per connection pool.

Django's Redis backend makes a new `redis.Redis` for every operation, and redis-py fills a table
of some 170 reply parsers each time: about 0.1 ms, more than the GET itself on a local Redis, on
every look-up (a dashboard drawn for new filters makes some 40). A client holds no connection of
its own (the pool does, and is safe across threads and after a fork), so one per pool is kept.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # kept for the process's life, as its client
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
