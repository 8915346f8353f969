"""Tenant resolution (the approval gate is a DRF permission, the audit context is set by tenancy.audit)."""

from django.http import JsonResponse

from tenancy import resolution

# Paths served on any host, with or without a tenant (load balancers probe by IP).
HOSTLESS_PREFIXES = ("/health/",)


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
