"""Primary/replica routing: reads go to the replica, except where they must see fresh writes.

Writes, reads inside a transaction (billing locks rows there) and every read of a client that
wrote in the last REPLICA_PIN_SECONDS stay on the primary. Without DATABASE_REPLICA_URL the router
does nothing.
"""

import contextvars
import time

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "pin_primary"
_pinned = contextvars.ContextVar("pinned_to_primary", default=False)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if REPLICA not in settings.DATABASES or _pinned.get():
            return None
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica mirrors the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Pin a client to the primary for its writes and for a few seconds after them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        try:
            pinned_until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            pinned_until = 0.0
        is_write = request.method in WRITE_METHODS
        token = _pinned.set(is_write or pinned_until > time.time())
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if is_write:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, str(time.time() + seconds), max_age=seconds, httponly=True,
                                secure=not settings.DEBUG, samesite="Lax")
        return response
