"""A Redis cache that degrades instead of failing (issue 11).

While Redis is down, every read is a miss and every write is dropped, so pages compute their
figures without the cache; short socket timeouts (``CACHE_SOCKET_TIMEOUT``) keep a dead or
unreachable Redis from holding a request. Counters (``incr``/``decr``) have no sensible "miss":
they raise ``CacheUnavailable``, and the rate limiter falls back to a per-process count.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

QUIET_SECONDS = 5  # after a failure, do not try Redis again for this long (no timeout per call)


class CacheUnavailable(Exception):
    """The shared cache could not be reached."""


class ForgivingRedisCache(RedisCache):
    _down_until = 0.0  # per cache object (one per thread and configuration)

    def _call(self, name, default, *args):
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), name)(*args)
        except RedisError as exc:
            self._down_until = time.monotonic() + QUIET_SECONDS
            log.warning("cache unavailable (%s): %r; computing without it", name, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)

    def incr(self, key, delta=1, version=None):
        if time.monotonic() < self._down_until:
            raise CacheUnavailable(key)
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._down_until = time.monotonic() + QUIET_SECONDS
            raise CacheUnavailable(key) from exc

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)
