"""OpenAPI: the tenant-bound JWT scheme, the error component, and error responses on every operation.

Every operation documents the `{code, detail, fields}` error shape for the statuses it can answer. The
statuses every endpoint shares (401 for a protected one, 404 for one with an id in its path, 409
`conflict_retry` for a write, 503 ...) are added by `AutoSchema`, and so are the paginator's 400 codes on
every paginated list (`page_too_deep`, `invalid_cursor`, and `cursor_ordering_unsupported` where `?ordering=`
can name a field a cursor cannot follow) and the Idempotency-Key's 400/409 codes on every POST the
middleware handles (ops/idempotency.py); an endpoint declares its own codes with `error_responses`, merged
with the shared ones:

    @extend_schema(request=X, responses={201: Y, **error_responses({400: ["email_taken"], 409: ["used"]})})
"""

from collections.abc import Iterable

from drf_spectacular import openapi
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from ops import idempotency


class TenantJWTScheme(SimpleJWTScheme):
    target_class = "tenancy.authentication.TenantJWTAuthentication"
    name = "jwtAuth"


class ErrorSerializer(serializers.Serializer):
    """The API's single error shape."""

    code = serializers.CharField(help_text="Machine-readable error code; the response lists the possible ones.")
    detail = serializers.CharField(help_text="Human-readable explanation.")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="Per-field messages (empty when the error is not about a field)."
    )

    class Meta:
        ref_name = "Error"


STATUS_TITLES = {
    400: "The request is not valid.",
    401: "Not authenticated, or the token is not valid.",
    403: "Not allowed.",
    404: "Not found (or not yours).",
    409: "Conflict with the current state.",
    413: "The upload is too large.",
    415: "Unsupported media type.",
    429: "Too many requests.",
    503: "A service the request needs is unavailable; retry after Retry-After seconds.",
}

AUTHENTICATION_CODES = ["not_authenticated", "authentication_failed", "token_not_valid", "token_revoked",
                        "token_tenant_mismatch", "user_inactive"]
PROTECTED_403_CODES = ["permission_denied", "tenant_not_approved", "tenant_suspended"]


def _describe(status: int, codes: Iterable[str]) -> str:
    listed = ", ".join(f"`{code}`" for code in dict.fromkeys(codes))
    return f"{STATUS_TITLES.get(status, 'Error.')} Codes: {listed}."


class ErrorResponse(OpenApiResponse):
    """An error response that remembers its codes, so that the shared ones can be merged in."""

    def __init__(self, status: int, codes: Iterable[str]):
        self.status = status
        self.codes = list(dict.fromkeys(codes))
        super().__init__(response=ErrorSerializer, description=_describe(status, self.codes))


def error_responses(errors: dict[int, Iterable[str]]) -> dict[int, ErrorResponse]:
    """Document an endpoint's own error codes by status (merged with the statuses every endpoint has)."""
    return {status: ErrorResponse(status, codes) for status, codes in errors.items()}


def _source_is_nullable(model, source: str) -> bool:
    """Tell whether following `source` (e.g. "assignee" or "task.team.name") from `model` can meet a NULL."""
    for name in source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or method: the serializer says what it returns
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


def file_responses(content_types: Iterable[str], description: str = "The file, as an attachment.") -> dict:
    """Document a download under each content type it can really be served with."""
    from drf_spectacular.types import OpenApiTypes

    return {(200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
            for content_type in content_types}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses every operation can give.

    It also marks nullable what can really be null: a nested object or a dotted source read through a
    nullable foreign key (an unassigned task's `assignee`, a subscription's `next_plan`).
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        parent_model = getattr(getattr(field.parent, "Meta", None), "model", None)
        if (direction == "response" and parent_model is not None and not field.allow_null
                and field.source not in (None, "*") and _source_is_nullable(parent_model, field.source)):
            field.allow_null = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _requires_authentication(self) -> bool:
        return not any(isinstance(permission, permissions.AllowAny) for permission in self.view.get_permissions())

    def shared_error_codes(self) -> dict[int, list[str]]:
        """Return the statuses and codes this operation can answer whatever the endpoint."""
        errors: dict[int, list[str]] = {}
        has_body = self.method in ("POST", "PUT", "PATCH")
        paginated = self.method == "GET" and bool(self._get_pagination_parameters())
        declared_query = any(isinstance(parameter, OpenApiParameter) and parameter.location == OpenApiParameter.QUERY
                             for parameter in self.get_override_parameters())
        has_query = bool(self._get_filter_parameters()) or paginated or declared_query
        if has_body or has_query or self.method == "DELETE":
            errors[400] = ["invalid", "parse_error"]
        if paginated:
            paginator = self._get_paginator()
            schema_codes = getattr(paginator, "get_schema_error_codes", None)
            errors[400] += schema_codes(self.view) if schema_codes else ["invalid_page", "invalid_page_size"]
        idempotent_post = self.method == "POST" and idempotency.applies_to(self.path)
        if idempotent_post:
            errors[400] = [*errors.get(400, []), "idempotency_key_invalid"]
        if self._requires_authentication():
            errors[401] = AUTHENTICATION_CODES
            errors[403] = PROTECTED_403_CODES
        if "{" in self.path or paginated:
            errors[404] = ["not_found"]  # (for a list: a page beyond the last)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors[409] = ["conflict_retry"]
        if idempotent_post:
            errors[409] += ["idempotency_key_reused", "idempotency_key_in_progress"]
        if has_body:
            errors[415] = ["unsupported_media_type"]
        if self.view.get_throttles():
            errors[429] = ["throttled"]
        errors[503] = ["service_unavailable"]
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = self.get_response_serializers()
        if not isinstance(responses, dict):
            if self.method == "DELETE":
                responses = {204: None}
            elif self._is_create_operation():
                responses = {201: responses}
            else:
                responses = {200: responses}
        merged = {int(code) if str(code).isdigit() else code: value for code, value in responses.items()}
        for status, codes in self.shared_error_codes().items():
            declared = merged.get(status)
            if declared is None:
                merged[status] = ErrorResponse(status, codes)
            elif isinstance(declared, ErrorResponse):
                merged[status] = ErrorResponse(status, [*declared.codes, *codes])
        # The parent renders whatever get_response_serializers returns; hand it the merged responses.
        self.get_response_serializers = lambda: merged
        try:
            return super()._get_response_bodies(direction)
        finally:
            del self.get_response_serializers
