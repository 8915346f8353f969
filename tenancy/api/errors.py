"""One error shape for every API failure: {"code", "detail", "fields"}."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tenancy.concurrency import is_lock_conflict
from tenancy.exceptions import ServiceError


def _first_code(codes) -> str:
    """Return the first error code of a (possibly nested) DRF code structure."""
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
        return "invalid"
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)


def _flatten(detail):
    if isinstance(detail, list) and len(detail) == 1 and not isinstance(detail[0], (dict, list)):
        return str(detail[0])
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return str(detail)


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}}


def lock_conflict_response() -> Response:
    """409 for a deadlock or lock-wait timeout; ConflictRetryMiddleware may still run the request again."""
    response = Response(
        error_body("conflict_retry", "Another request changed the same data at the same time; try again."),
        status=status.HTTP_409_CONFLICT, headers={"Retry-After": "1"},
    )
    response.is_lock_conflict = True
    return response


def exception_handler(exc, context):
    """Render domain, Django and DRF errors in the API's single error shape."""
    if is_lock_conflict(exc):
        return lock_conflict_response()
    if isinstance(exc, ObjectDoesNotExist):
        # A row read under a lock that a concurrent request deleted meanwhile: it no longer exists.
        exc = exceptions.NotFound()
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        detail = "; ".join(exc.messages)
        return Response(error_body("invalid", detail, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            fields = _flatten(exc.detail)
            non_field = fields.pop("non_field_errors", None)
            code = _first_code(exc.get_codes())
            detail = non_field if isinstance(non_field, str) else "Some fields are not valid."
            if isinstance(non_field, list):
                detail = "; ".join(map(str, non_field))
            body = error_body(code, detail, fields)
        else:
            messages = _flatten(exc.detail)
            detail = messages if isinstance(messages, str) else "; ".join(map(str, messages))
            body = error_body(_first_code(exc.get_codes()), detail)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else _flatten(exc.detail)
        if isinstance(detail, dict):
            detail = str(detail.get("detail", detail))
        body = error_body(_first_code(exc.get_codes()), str(detail))
    response.data = body
    return response
