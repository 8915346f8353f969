"""Primary/replica routing: reads go to the replica, except where they must see fresh writes.

Writes, reads inside a transaction (billing locks rows there) and every read of a client that
wrote in the last REPLICA_PIN_SECONDS stay on the primary. A client is recognised by a cookie
(browsers) and by the user of its bearer token (pinned in the cache, so API clients read their own
writes too). The replica is used only while it answers and lags at most REPLICA_MAX_LAG_SECONDS:
its state is checked at most every REPLICA_CHECK_SECONDS per process, and a safe request that
failed on a replica that just died is run once more on the primary. Without DATABASE_REPLICA_URL
the router does nothing.
"""

import contextlib
import contextvars
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import connections
from django.dispatch import receiver

from project.jwthint import bearer_user_id

logger = logging.getLogger("project.db_router")

REPLICA = "replica"
PIN_COOKIE = "pin_primary"
_pinned = contextvars.ContextVar("pinned_to_primary", default=False)
_used_replica = contextvars.ContextVar("used_replica", default=False)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReplicaMonitor:
    """The replica's reachability and lag, measured at most every REPLICA_CHECK_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.state = "unknown"  # ok | lagging | down | unknown
        self.lag: float | None = None
        self.error = ""

    def usable(self) -> bool:
        if time.monotonic() - self.checked_at >= settings.REPLICA_CHECK_SECONDS and self.lock.acquire(False):
            try:
                self.check()
            finally:
                self.lock.release()
        return self.state == "ok"

    def check(self) -> None:
        try:
            self.lag = self._measure_lag()
            self.error = ""
            self.state = "ok" if self.lag is not None and self.lag <= settings.REPLICA_MAX_LAG_SECONDS else "lagging"
        except Exception as exc:  # noqa: BLE001 - any failure means "read from the primary"
            self.lag, self.state, self.error = None, "down", f"{type(exc).__name__}: {exc}"[:200]
            with contextlib.suppress(Exception):
                connections[REPLICA].close_if_unusable_or_obsolete()
        self.checked_at = time.monotonic()
        if self.state != "ok":
            logger.warning("replica %s (lag %s): reads go to the primary %s", self.state, self.lag, self.error)

    def mark_down(self, reason: str) -> None:
        self.state, self.lag, self.error, self.checked_at = "down", None, reason, time.monotonic()
        logger.warning("replica failed during a request (%s): reads go to the primary", reason)

    @staticmethod
    def _measure_lag() -> float | None:
        """Seconds the replica is behind (0 when it is not replicating from anything, e.g. a test mirror)."""
        conn = connections[REPLICA]
        with conn.cursor() as cursor:
            if conn.vendor != "mysql":
                cursor.execute("SELECT 1")
                return 0.0
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
            if row is None:
                return 0.0
            columns = [col[0] for col in cursor.description]
            status = dict(zip(columns, row, strict=False))
            lag = status.get("Seconds_Behind_Master")
            return None if lag is None else float(lag)  # None: replication stopped


monitor = ReplicaMonitor()


def _user_pin_key(user_id: str) -> str:
    return f"replica:pin:u{user_id}"


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if REPLICA not in settings.DATABASES or _pinned.get():
            return None
        if connections["default"].in_atomic_block:
            return "default"
        if not monitor.usable():
            return "default"
        _used_replica.set(True)
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica mirrors the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


@receiver(got_request_exception)
def _remember_database_failure(sender, request=None, **kwargs):
    import sys

    from project.errors import is_unavailable

    if request is not None and is_unavailable(sys.exc_info()[1]):
        request._database_unavailable = True


class ReplicaPinMiddleware:
    """Pin a client to the primary for its writes and for a few seconds after them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _is_pinned(self, request, user_id: str | None) -> bool:
        try:
            if float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time():
                return True
        except ValueError:
            pass
        if not user_id:
            return False
        from project.cache import cache_is_degraded

        # Without the cache nobody can tell who wrote recently: every bearer client reads the primary.
        return cache_is_degraded() or bool(cache.get(_user_pin_key(user_id)))

    def __call__(self, request):
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        is_write = request.method in WRITE_METHODS
        user_id = bearer_user_id(request)
        pinned_token = _pinned.set(is_write or self._is_pinned(request, user_id))
        used_token = _used_replica.set(False)
        try:
            response = self.get_response(request)
            if (request.method in SAFE_METHODS and _used_replica.get() and response.status_code >= 500
                    and getattr(request, "_database_unavailable", False)):
                monitor.mark_down("a read failed on the replica")
                request._database_unavailable = False
                _pinned.set(True)
                response = self.get_response(request)  # once more, on the primary
        finally:
            _pinned.reset(pinned_token)
            _used_replica.reset(used_token)
        if is_write:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, str(time.time() + seconds), max_age=seconds, httponly=True,
                                secure=not settings.DEBUG, samesite="Lax")
            if user_id:
                cache.set(_user_pin_key(user_id), 1, seconds)
        return response
