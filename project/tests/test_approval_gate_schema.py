"""The approval gate over every route of the OpenAPI schema, for a company in each of its four states.

The expected answers follow DESIGN section 3, written out here independently of the views'
declarations: a PENDING or REJECTED company may use only auth (with the profile), its own
company's status and the plan list; a SUSPENDED one may read everything and write only to auth,
billing and its notifications; an ACTIVE one passes the gate everywhere. Authentication comes first:
an anonymous request never gets a gate answer.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenancy.api.base import ApprovalGateMixin
from tenancy.models import TenantStatus

GATE_CODES = {"tenant_not_approved", "tenant_suspended"}
UNAPPROVED_ALLOWED = {("get", "/api/tenants/"), ("get", "/api/tenants/{id}/"), ("get", "/api/subscriptions/plans/")}
# Public endpoints (no authentication: the token in the body is the credential)
PUBLIC = {("post", "/api/tenants/invitations/accept/")}
SUSPENDED_WRITE_PREFIXES = ("/api/auth/", "/api/subscriptions/", "/api/notifications/")
# "Take your data with you" works for a suspended company too (issue 15).
SUSPENDED_WRITES = {("post", "/api/tenants/exports/")}
READ_METHODS = {"get", "head", "options"}


def _routes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted((method, path) for path, operations in schema["paths"].items()
                  for method in operations if method in {"get", "post", "put", "patch", "delete"})


# Routes that end the caller's own sessions (the walk would go on with a revoked token); auth passes the gate.
SESSION_ENDING = {("post", "/api/auth/logout-everywhere/")}
ROUTES = [route for route in _routes() if route not in SESSION_ENDING]


def expected_gate(method: str, path: str, status: str) -> str | None:
    """The gate's refusal code for a tenant admin of a company in `status`, or None when it passes."""
    if status == TenantStatus.ACTIVE or path.startswith("/api/auth/") or (method, path) in PUBLIC:
        return None
    if status in (TenantStatus.PENDING, TenantStatus.REJECTED):
        return None if (method, path) in UNAPPROVED_ALLOWED else "tenant_not_approved"
    if method in READ_METHODS or path.startswith(SUSPENDED_WRITE_PREFIXES) or (method, path) in SUSPENDED_WRITES:
        return None
    return "tenant_suspended"


def _call(client, method, path, tenant):
    url = re.sub(r"\{id\}", str(tenant.pk), path) if path.startswith("/api/tenants/{id}") else path
    url = re.sub(r"\{[^}]+\}", "999999", url)
    return getattr(client, method)(url, {}, format="json")


def _code(response):
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None


def test_the_schema_has_the_routes_the_gate_is_tested_on():
    assert len(ROUTES) > 40
    assert ("post", "/api/tasks/") in ROUTES and ("get", "/api/subscriptions/plans/") in ROUTES


def test_every_api_view_passes_the_gate():
    from django.urls import get_resolver

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            elif str(pattern.pattern).startswith(("schema", "docs")):
                continue
            else:
                yield pattern.callback

    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    classes = {getattr(view, "cls", None) or getattr(view, "view_class", None) for view in views(api.url_patterns)}
    classes.discard(None)
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

    ungated = sorted(cls.__name__ for cls in classes - {SpectacularAPIView, SpectacularSwaggerView}
                     if not issubclass(cls, ApprovalGateMixin))
    assert not ungated, f"API views without the approval gate: {ungated}"


@pytest.mark.parametrize("status", [TenantStatus.PENDING, TenantStatus.REJECTED, TenantStatus.SUSPENDED,
                                    TenantStatus.ACTIVE])
def test_the_gate_answer_of_every_route(api, tenant, tenant_admin, status):
    active = api(tenant_admin)
    role_refused = {route for route in ROUTES if _code(_call(active, *route, tenant)) == "permission_denied"}
    tenant.status = status
    tenant.save()
    client = api(tenant_admin)
    wrong = []
    for method, path in ROUTES:
        response = _call(client, method, path, tenant)
        want = expected_gate(method, path, status)
        code = _code(response)
        if (method, path) in role_refused:
            ok = response.status_code == 403  # refused for the role before the gate is asked
        elif want is None:
            ok = code not in GATE_CODES and response.status_code != 500
        else:
            ok = response.status_code == 403 and code == want
        if not ok:
            wrong.append((method.upper(), path, response.status_code, code, want))
    assert not wrong, wrong


def test_authentication_comes_before_the_gate(api, tenant):
    tenant.status = TenantStatus.PENDING
    tenant.save()
    client = api(host="alpha.localhost")
    gated = [(method, path) for method, path in ROUTES if _code(_call(client, method, path, tenant)) in GATE_CODES]
    assert gated == []
    assert _call(client, "post", "/api/tasks/", tenant).status_code == 401
    assert _call(client, "get", "/api/tenants/members/", tenant).status_code == 401
