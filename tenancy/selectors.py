"""Every read of the tenancy app that the API or the admin needs."""

from django.db.models import QuerySet

from tenancy.models import (
    ActivityLog,
    Domain,
    Notification,
    NotificationPreference,
    NotificationType,
    Tenant,
    TenantExport,
    TenantInvitation,
    User,
)


def _tenants() -> QuerySet[Tenant]:
    return Tenant.objects.select_related("settings").prefetch_related("domains").order_by("-created_at", "-id")


def tenant_list(*, tenant: Tenant) -> QuerySet[Tenant]:
    """What a company's own users see of the tenants table: their company's row."""
    return _tenants().filter(pk=tenant.pk)


def tenant_list_for_all_tenants() -> QuerySet[Tenant]:
    """Every company (platform staff only: PlatformStaffViewSet subclasses, the admin, platform services)."""
    return _tenants()


def member_list(*, tenant: Tenant) -> QuerySet[User]:
    return User.objects.filter(tenant=tenant).order_by("email")


def domain_list(*, tenant: Tenant) -> QuerySet[Domain]:
    return Domain.objects.filter(tenant=tenant).order_by("-is_primary", "host")


def export_list(*, tenant: Tenant) -> QuerySet[TenantExport]:
    return TenantExport.objects.filter(tenant=tenant).select_related("requested_by").order_by("-created_at", "-id")


def invitation_list(*, tenant: Tenant) -> QuerySet[TenantInvitation]:
    return TenantInvitation.objects.filter(tenant=tenant).select_related("invited_by").order_by("-created_at", "-id")


def activity_list(*, tenant: Tenant) -> QuerySet[ActivityLog]:
    return ActivityLog.objects.filter(tenant=tenant).select_related("actor")


def notification_list(*, tenant: Tenant, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(tenant=tenant, recipient=user)


def notification_unread_count(*, tenant: Tenant, user: User) -> int:
    return Notification.objects.filter(tenant=tenant, recipient=user, read_at__isnull=True).count()


def notification_preferences(*, tenant: Tenant, user: User) -> list[dict]:
    """Return one row per notification type with the defaults (both channels on) filled in."""
    stored = {p.type: p for p in NotificationPreference.objects.filter(tenant=tenant, user=user)}
    return [
        {
            "type": value,
            "label": label,
            "in_app": stored[value].in_app if value in stored else True,
            "email": stored[value].email if value in stored else True,
        }
        for value, label in NotificationType.choices
    ]
