"""Host -> tenant resolution from an in-process cache, kept honest by one shared version number.

A warm request costs no query and no Redis call: each process keeps host -> tenant id and
id -> tenant maps, and looks at the shared version key (one Redis GET) at most every
TENANT_VERSION_CHECK_SECONDS. A change to a Domain or Tenant bumps the version (tenancy/signals.py),
so every process drops its maps within that interval. With Redis down the version cannot be read:
the maps are then dropped at every check, so the database answers at most once per host and
interval and a change is never served stale for longer than that.
"""

import copy
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache

from tenancy.models import Domain, DomainStatus, Tenant

_MISSING = "-"
VERSION_KEY = "tenancy:resolution:version"


class _LocalMaps:
    def __init__(self):
        self.lock = threading.Lock()
        self.hosts: dict[str, int | str] = {}
        self.tenants: dict[int, Tenant] = {}
        self.version: str | None = None
        self.checked_at = float("-inf")
        self.filled_at = time.monotonic()

    def clear(self) -> None:
        with self.lock:
            self.hosts = {}
            self.tenants = {}
            self.filled_at = time.monotonic()


_local = _LocalMaps()


def _check_version() -> None:
    """Drop the local maps if another process changed a domain or tenant since the last look."""
    now = time.monotonic()
    if now - _local.checked_at < settings.TENANT_VERSION_CHECK_SECONDS:
        return
    _local.checked_at = now
    version = cache.get(VERSION_KEY)
    if version is None:
        fresh = uuid.uuid4().hex
        version = fresh if cache.add(VERSION_KEY, fresh, None) else None
        _local.clear()
    elif version != _local.version or now - _local.filled_at > settings.TENANT_CACHE_TIMEOUT:
        _local.clear()
    _local.version = version


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
    _check_version()
    tenant_id = _local.hosts.get(host)
    if tenant_id is None:
        tenant_id = (Domain.objects.filter(host=host, status=DomainStatus.ACTIVE)
                     .values_list("tenant_id", flat=True).first() or _MISSING)
        _local.hosts[host] = tenant_id
    if tenant_id == _MISSING:
        return None
    return tenant_by_id(tenant_id)


def tenant_by_id(tenant_id: int) -> Tenant | None:
    """Return a private copy of the tenant (callers may change it without touching the cache)."""
    _check_version()
    tenant = _local.tenants.get(tenant_id)
    if tenant is None:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            return None
        _local.tenants[tenant_id] = tenant
    return copy.copy(tenant)


def _bump() -> None:
    """Tell every other process to drop its maps (this one drops only what changed)."""
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, None)
    _local.version = version


def forget_host(host: str) -> None:
    """Forget a host's owner in every process (a domain was added, renamed or removed)."""
    _local.hosts.pop(host, None)
    _bump()


def forget_tenant(tenant_id: int) -> None:
    """Forget a tenant's cached row in every process."""
    _local.tenants.pop(tenant_id, None)
    _bump()


def forget_all() -> None:
    """Drop this process's maps (tests; the shared version is untouched)."""
    _local.clear()
    _local.version = None
    _local.checked_at = float("-inf")


def get_request_tenant(request) -> Tenant | None:
    """Return the host's tenant or, on a platform host, the authenticated user's own tenant."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        return tenant
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.tenant_id:
        return tenant_by_id(user.tenant_id)
    return None
