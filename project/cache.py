"""A Redis cache that never takes a request down: short timeouts, a circuit breaker, defaults on failure.

Every cache read that fails answers as a miss (callers fall back to the database), every write that
fails is dropped. After a failure the backend stops calling Redis for CACHE_RETRY_SECONDS, so a hung
Redis (SIGSTOP, a network black hole) costs one socket timeout per process and period, not one per
call. Failures are logged once per outage and counted (`/health/ready/` shows the counter).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("project.cache")

# Connection, timeout and protocol errors of redis-py derive from RedisError; OSError covers the rest.

FAILURES = (RedisError, OSError, EOFError)


class _Breaker:
    def __init__(self):
        self.down_until = 0.0
        self.failures = 0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self, exc: Exception, retry_seconds: float) -> None:
        with self.lock:
            was_closed = not self.is_open()
            self.failures += 1
            self.down_until = time.monotonic() + retry_seconds
        if was_closed:
            logger.warning("cache: Redis unavailable (%s: %s); serving without cache for %.1fs",
                           type(exc).__name__, exc, retry_seconds)


breaker = _Breaker()


def cache_failures() -> int:
    """How many cache calls failed in this process (a metric for the readiness probe)."""
    return breaker.failures


def cache_is_degraded() -> bool:
    return breaker.is_open()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 2.0))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        # One attempt per call: redis-py's default retries with back-off would multiply the timeout.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        params["OPTIONS"] = options
        super().__init__(server, params)

    def _guard(self, method: str, default, *args, **kwargs):
        if breaker.is_open():
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except FAILURES as exc:
            breaker.trip(exc, self.retry_seconds)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def set(self, key, value, timeout=..., version=None):
        timeout = DEFAULT_TIMEOUT if timeout is ... else timeout
        return self._guard("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=..., version=None):
        timeout = DEFAULT_TIMEOUT if timeout is ... else timeout
        return self._guard("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=..., version=None):
        timeout = DEFAULT_TIMEOUT if timeout is ... else timeout
        return self._guard("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=..., version=None):
        timeout = DEFAULT_TIMEOUT if timeout is ... else timeout
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError (as Django's API says); an unreachable Redis answers None.
        return self._guard("incr", None, key, delta, version)

    def clear(self):
        return self._guard("clear", None)
