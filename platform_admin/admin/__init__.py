"""The control panel's admin classes (django-unfold), one module per area."""

from django.contrib import admin

from platform_admin.admin import billing, platform, tenancy, work  # noqa: F401  (registers the classes)

admin.site.index_title = "Dashboard"

_is_staff_user = admin.site.has_permission


def _platform_staff_only(request) -> bool:
    """Refuse company users even if `is_staff` were ever set on one (DESIGN 4: the admin refuses them)."""
    return _is_staff_user(request) and request.user.tenant_id is None


admin.site.has_permission = _platform_staff_only
