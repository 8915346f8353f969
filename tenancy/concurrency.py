"""Write conflicts (deadlock 1213, lock-wait timeout 1205, vanished parent 1452): retry the request, then 409.

A deadlock rolls the victim's transaction back. When the request committed nothing before it, running the
request again is exactly a retry of the whole transaction, so `ConflictRetryMiddleware` does that a few
times with a short random back-off; when it cannot (a transaction already committed, a multipart body
that was not kept in memory, no attempts left) the exception handler's `409 conflict_retry` answer goes
out, with `Retry-After`.
"""

import random
import time
from io import BytesIO

from django.conf import settings
from django.db import IntegrityError, OperationalError, connections

# MySQL/MariaDB error numbers.
ER_LOCK_WAIT_TIMEOUT = 1205
ER_LOCK_DEADLOCK = 1213
# A row that another transaction deleted meanwhile (the insert's foreign key no longer points anywhere).
ER_NO_REFERENCED_ROW_2 = 1452
LOCK_CONFLICT_ERRORS = {ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK}

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_lock_conflict(exc: BaseException) -> bool:
    """Tell whether an exception is a concurrent write's: a deadlock, a lock-wait timeout, a vanished parent."""
    while exc is not None:
        if isinstance(exc, OperationalError) and exc.args and exc.args[0] in LOCK_CONFLICT_ERRORS:
            return True
        if isinstance(exc, IntegrityError) and exc.args and exc.args[0] == ER_NO_REFERENCED_ROW_2:
            return True
        exc = exc.__cause__
    return False


class _CommitWatch:
    """Note whether anything was committed while it is installed (a write in autocommit, or an atomic block)."""

    def __init__(self, connection):
        self.connection = connection
        self.committed = False

    def _mark(self):
        self.committed = True

    def __call__(self, execute, sql, params, many, context):
        connection = self.connection
        if connection.in_atomic_block:
            # on_commit callbacks run only if the outermost block commits (a rollback discards them).
            # A bound method is a new object at each access: compare with ==, not `is`.
            if not any(item[1] == self._mark for item in connection.run_on_commit):
                connection.on_commit(self._mark)
        elif not sql.lstrip()[:6].upper().startswith(("SELECT", "SHOW", "SET")):
            self.committed = True
        return execute(sql, params, many, context)


class ConflictRetryMiddleware:
    """Run an API write again when it lost a deadlock or a lock wait and had committed nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        attempts = max(1, settings.LOCK_CONFLICT_ATTEMPTS)
        body = self._keep_body(request)
        connection = connections["default"]
        if connection.in_atomic_block:
            # Inside a caller's transaction (tests, an outer atomic): only that caller can retry.
            return self.get_response(request)
        for attempt in range(1, attempts + 1):
            watch = _CommitWatch(connection)
            with connection.execute_wrapper(watch):
                response = self.get_response(request)
            if not getattr(response, "is_lock_conflict", False):
                return response
            if attempt == attempts or watch.committed or body is None:
                return response
            time.sleep(random.uniform(0.01, 0.05) * attempt)
            self._reset(request, body)
        return response

    @staticmethod
    def _keep_body(request) -> bytes | None:
        """Read a small body into memory so that the request can be parsed again; None if it cannot be."""
        content_type = request.META.get("CONTENT_TYPE", "")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if content_type.startswith("multipart/") or length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return None
        try:
            return request.body
        except Exception:  # noqa: BLE001 - the view reports a body it cannot read; we just do not retry
            return None

    @staticmethod
    def _reset(request, body: bytes) -> None:
        request._stream = BytesIO(body)
        for attribute in ("_post", "_files", "activity"):
            request.__dict__.pop(attribute, None)
