"""The control panel's admin classes (django-unfold), one module per area."""

from django.contrib import admin

from platform_admin.admin import billing, platform, tenancy, work  # noqa: F401  (registers the classes)

admin.site.index_title = "Dashboard"
