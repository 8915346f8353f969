"""Error pages: the API answers in its JSON error shape, everything else gets Django's pages.

An unavailable database or broker is not a bug: it answers 503 `service_unavailable` with
Retry-After (the API's error shape under /api/, a plain 503 elsewhere), never a 500.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

# MySQL/MariaDB client and server codes that mean "the database is not there right now".
UNAVAILABLE_DB_CODES = {
    1040,  # too many connections
    1053,  # server shutdown in progress
    1077,  # normal shutdown
    1205,  # lock wait timeout (the retry of h13 runs first where it applies)
    1213,  # deadlock (likewise)
    1927,  # connection killed
    1969,  # statement time exceeded (MariaDB max_statement_time)
    2002, 2003, 2005, 2006, 2013, 2055,  # cannot connect, gone away, lost connection
    3024,  # statement time exceeded (MySQL max_execution_time)
    4031,  # disconnected by the server (inactivity)
}


def is_unavailable(exc: BaseException | None) -> bool:
    """True for errors that mean the database or broker is down, hung or overloaded."""
    if exc is None:
        return False
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code is not None:
            return code in UNAVAILABLE_DB_CODES
        return "locked" in str(exc) or "unable to open" in str(exc)  # SQLite
    try:
        from kombu.exceptions import OperationalError as BrokerError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, BrokerError | ConnectionError | TimeoutError)


def service_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the client may retry the same request (with the same Idempotency-Key)."""
    detail = "The service is briefly unavailable. Retry in a few seconds."
    if _is_api(request):
        response = JsonResponse({"code": "service_unavailable", "detail": detail, "fields": {}}, status=503)
    else:
        response = HttpResponse(detail, status=503, content_type="text/plain")
    response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": "Not found.", "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if _is_api(request):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side.", "fields": {}},
                            status=500)
    return defaults.server_error(request)
