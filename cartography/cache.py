"""A Redis cache that keeps the site up while Redis is down.

The cache holds only what can be lost: rate-limit counters, throttle histories, badges. When Redis
is unreachable, each call falls back to a memory cache local to the process, so sign-in and the API
keep answering (with per-process limits) instead of failing with 500; calls go back to Redis by
themselves once it answers again.
"""

import logging
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILOVER_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def _with_failover(name: str):
    redis_method = getattr(RedisCache, name)

    @wraps(redis_method)
    def method(self, *args, **kwargs):
        try:
            return redis_method(self, *args, **kwargs)
        except RedisError as exc:
            logger.warning("cache: Redis unreachable, using the process cache (%s)", exc)
            return getattr(self._fallback, name)(*args, **kwargs)

    return method


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache("redis-failover", {"TIMEOUT": params.get("TIMEOUT", 300)})


for _name in FAILOVER_METHODS:
    setattr(FailoverRedisCache, _name, _with_failover(_name))
