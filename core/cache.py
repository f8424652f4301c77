"""The Redis cache backend for CACHE_URL=rediscache://… (or redis://…): Django's own, with one
Redis client per connection pool kept for the life of the process.

Django's backend builds a new `redis.Redis` client for every cache operation (its constructor
fills a table of some 170 response callbacks each time): about 0.15 ms of every read or write,
which was a large part of a cached public answer. A client is thread-safe and holds no
connection of its own (the pool does, and resets itself after a fork), so one per pool serves
every operation.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients
