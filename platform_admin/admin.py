"""The control panel's admin classes (django-unfold)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from tenancy.models import (
    ActivityLog,
    Domain,
    Notification,
    Tenant,
    TenantInvitation,
    TenantSettings,
    User,
)

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


class DomainInline(TabularInline):
    model = Domain
    extra = 0
    fields = ["host", "is_primary"]


class TenantSettingsInline(StackedInline):
    model = TenantSettings
    can_delete = False
    extra = 0


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug", "status", "contact_email", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "contact_email", "domains__host"]
    readonly_fields = ["status", "approved_at", "approved_by", "rejected_at", "rejected_by",
                       "suspended_at", "suspended_by", "created_at", "updated_at"]
    inlines = [DomainInline, TenantSettingsInline]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "tenant", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["tenant"]
    search_fields = ["email", "first_name", "last_name", "tenant__name"]
    autocomplete_fields = ["tenant"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        ("Company", {"fields": ["tenant", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(TenantInvitation)
class TenantInvitationAdmin(ModelAdmin):
    list_display = ["email", "tenant", "role", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["tenant"]
    search_fields = ["email", "tenant__name"]
    exclude = ["token_hash"]
    readonly_fields = ["tenant", "email", "role", "expires_at", "invited_by", "accepted_at",
                       "accepted_user", "revoked_at"]


@admin.register(ActivityLog)
class ActivityLogAdmin(ModelAdmin):
    list_display = ["created_at", "tenant", "actor", "verb", "object_type", "object_id", "ip_address"]
    list_filter = ["verb"]
    list_select_related = ["tenant", "actor"]
    search_fields = ["verb", "object_repr", "actor__email", "tenant__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["created_at", "tenant", "recipient", "type", "title", "read_at"]
    list_filter = ["type"]
    list_select_related = ["tenant", "recipient"]

    def has_add_permission(self, request):
        return False
