"""The control panel's admin classes (django-unfold), one module per area."""

from platform_admin.admin import activity, billing, platform, reconciliation, tenancy, work  # noqa: F401  (registers the classes)
