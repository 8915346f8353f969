"""Addresses of the portal (/app/) for links in e-mails and notifications."""

from django.conf import settings

from tenancy.models import Domain, Tenant


def portal_url(tenant: Tenant | None) -> str:
    """Return the portal's base address for a company's people, without a trailing slash.

    `FRONTEND_URL` may name the company's host as `{host}` (e.g. `https://{host}/app`): each company's
    links then open the portal on its own host, where its refresh cookie lives. Without a company
    (platform staff) the host is the first of `PLATFORM_HOSTS`.
    """
    base = settings.FRONTEND_URL
    if "{host}" not in base:
        return base
    host = None
    if tenant is not None:
        domains = Domain.objects.filter(tenant=tenant).order_by("-is_primary", "id")
        host = domains.values_list("host", flat=True).first() or f"{tenant.slug}.{settings.TENANT_BASE_DOMAIN}"
    return base.replace("{host}", host or settings.PLATFORM_HOSTS[0])
