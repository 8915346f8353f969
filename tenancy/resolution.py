"""Host -> tenant resolution, cached so that a warm request runs no query."""

from django.conf import settings
from django.core.cache import cache

from tenancy.models import Domain, DomainStatus, Tenant

_MISSING = "-"


def _host_key(host: str) -> str:
    return f"tenancy:host:{host}"


def _tenant_key(tenant_id: int) -> str:
    return f"tenancy:tenant:{tenant_id}"


def normalize_host(raw_host: str) -> str:
    """Lower-case the host and drop the port (IPv6 literals keep their brackets)."""
    host = raw_host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def is_platform_host(host: str) -> bool:
    return host in settings.PLATFORM_HOSTS


def tenant_for_host(host: str) -> Tenant | None:
    """Return the tenant that owns `host`, or None when no tenant does."""
    tenant_id = cache.get(_host_key(host))
    if tenant_id is None:
        tenant_id = (Domain.objects.filter(host=host, status=DomainStatus.ACTIVE)
                     .values_list("tenant_id", flat=True).first() or _MISSING)
        cache.set(_host_key(host), tenant_id, settings.TENANT_CACHE_TIMEOUT)
    if tenant_id == _MISSING:
        return None
    return tenant_by_id(tenant_id)


def tenant_by_id(tenant_id: int) -> Tenant | None:
    tenant = cache.get(_tenant_key(tenant_id))
    if tenant is None:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            return None
        cache.set(_tenant_key(tenant_id), tenant, settings.TENANT_CACHE_TIMEOUT)
    return tenant


def forget_host(host: str) -> None:
    cache.delete(_host_key(host))


def forget_tenant(tenant_id: int) -> None:
    cache.delete(_tenant_key(tenant_id))
