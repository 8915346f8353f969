"""The control panel's admin site: unfold's site, open to platform staff only."""

from django.contrib.admin.apps import AdminConfig
from unfold.sites import UnfoldAdminSite


class PlatformAdminSite(UnfoldAdminSite):
    index_title = "Dashboard"
    site_url = None  # no "Return to site": the platform host has no public site; companies use their own hosts

    def has_permission(self, request) -> bool:
        """Refuse company users even if `is_staff` were ever set on one (DESIGN 4: the admin refuses them)."""
        return super().has_permission(request) and request.user.tenant_id is None


class PlatformAdminSiteConfig(AdminConfig):
    """django.contrib.admin with the platform's site as `admin.site`."""

    default_site = "platform_admin.sites.PlatformAdminSite"
