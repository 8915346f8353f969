"""The platform's own settings."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect

from platform_admin.admin.base import HistoryAdmin
from platform_admin.models import SystemSetting


@admin.register(SystemSetting)
class SystemSettingAdmin(HistoryAdmin):
    """A single row: the list opens it directly."""

    fieldsets = [
        ("Invoice issuer", {"fields": ["issuer_name", "issuer_address", "issuer_tax_id", "issuer_email"],
                            "description": "Printed on invoices issued from now on; empty fields use the "
                                           "server's defaults."}),
        ("Billing cycle", {"fields": ["renewal_lead_days", "grace_days"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SystemSetting.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row = SystemSetting.objects.order_by("pk").first()
        if row is not None:
            return HttpResponseRedirect(self.model_url("change", row.pk))
        if self.has_add_permission(request):
            return HttpResponseRedirect(self.model_url("add"))
        return super().changelist_view(request, extra_context)
