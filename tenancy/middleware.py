"""Tenant resolution, the approval gate and activity logging."""

import logging

from django.http import JsonResponse
from rest_framework.exceptions import AuthenticationFailed

from tenancy import resolution
from tenancy.audit import client_ip
from tenancy.authentication import TenantJWTAuthentication
from tenancy.models import ActivityLog, TenantStatus

logger = logging.getLogger(__name__)

# Paths served on any host, with or without a tenant (load balancers probe by IP).
HOSTLESS_PREFIXES = ("/health/",)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


class TenantMiddleware:
    """Set `request.tenant` from the host: a tenant's domain, a platform host (None) or 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = resolution.normalize_host(request.get_host())
        request.tenant = None
        request.is_platform_host = resolution.is_platform_host(host)
        if not request.is_platform_host and not request.path.startswith(HOSTLESS_PREFIXES):
            request.tenant = resolution.tenant_for_host(host)
            if request.tenant is None:
                return _error(404, "unknown_host", "No company is served at this address.")
        return self.get_response(request)


def _jwt_user(request):
    """Authenticate the bearer token early (cached for DRF); None when absent or invalid."""
    try:
        result = TenantJWTAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return result[0] if result else None


class ApprovalMiddleware:
    """Keep PENDING/REJECTED tenants to the sign-up essentials and SUSPENDED ones read-only but billing."""

    # url names (namespace:name) open to a tenant that is not approved yet
    UNAPPROVED_ALLOWED = {"tenants:tenant-list", "tenants:tenant-detail", "billing:plan-list"}
    UNAPPROVED_NAMESPACES = {"auth"}
    SUSPENDED_WRITE_NAMESPACES = {"auth", "billing"}
    PUBLIC_NAMES = {"schema", "docs"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/"):
            return None
        match = request.resolver_match
        if match.url_name in self.PUBLIC_NAMES:
            return None
        user = _jwt_user(request)
        if user is not None and user.is_super_admin:
            return None  # platform staff act on companies in every state
        tenant = request.tenant
        if tenant is None:
            if user is None or user.tenant_id is None:
                return None
            tenant = resolution.tenant_by_id(user.tenant_id)
            if tenant is None:
                return None
        namespace = match.namespace
        name = f"{namespace}:{match.url_name}"
        if tenant.status in (TenantStatus.PENDING, TenantStatus.REJECTED):
            if namespace in self.UNAPPROVED_NAMESPACES:
                return None
            if name in self.UNAPPROVED_ALLOWED and request.method in ("GET", "HEAD", "OPTIONS"):
                return None
            return _error(403, "tenant_not_approved", "Your company has not been approved yet.")
        if tenant.status == TenantStatus.SUSPENDED and request.method in WRITE_METHODS:
            if namespace in self.SUSPENDED_WRITE_NAMESPACES:
                return None
            return _error(403, "tenant_suspended",
                          "Your company is suspended: renew the subscription to make changes.")
        return None


class ActivityLogMiddleware:
    """Store who did what, where, from which address, for every successful write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in WRITE_METHODS and response.status_code < 400:
            try:
                self._record(request, response)
            except Exception:  # an audit failure must not turn a done write into an error
                logger.exception("could not record activity for %s %s", request.method, request.path)
        return response

    def _record(self, request, response) -> None:
        activity = getattr(request, "activity", None)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        if activity is None:
            match = request.resolver_match
            if match is None or actor is None:
                return
            if request.path.startswith("/admin/"):
                # Admin writes answer with a redirect; object ids come from the URL.
                verb, object_type = f"admin.{match.url_name}", (
                    match.url_name.split("_")[1] if match.url_name.count("_") >= 2 else "")
            elif request.path.startswith("/api/"):
                # A write whose view named no verb (profile, password change, ...): name it by its route.
                verb, object_type = f"{match.view_name.replace(':', '.')}.{request.method.lower()}", ""
            else:
                return
            activity = {
                "verb": verb,
                "tenant": None,
                "object_type": object_type,
                "object_id": str(match.kwargs.get("object_id", match.kwargs.get("pk", ""))),
                "object_repr": "",
                "changes": {},
            }
        tenant = activity.get("tenant") or request.tenant
        if tenant is None and actor is not None and actor.tenant_id:
            tenant = resolution.tenant_by_id(actor.tenant_id)
        ActivityLog.objects.create(
            tenant=tenant,
            actor=activity.get("actor", actor),
            verb=activity["verb"][:100],
            object_type=activity.get("object_type", "")[:100],
            object_id=activity.get("object_id", "")[:64],
            object_repr=activity.get("object_repr", "")[:200],
            changes=activity.get("changes", {}),
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
