"""Control panel helpers referenced from the UNFOLD settings: environment label, sidebar permissions, badges."""

from django.conf import settings


def environment_callback(request):
    """Label the panel with the environment so staff never mistake staging for production."""
    colour = {"production": "danger", "staging": "warning"}.get(settings.ENVIRONMENT, "info")
    return [settings.ENVIRONMENT.capitalize(), colour]


def _can(request, *perms: str) -> bool:
    return any(request.user.has_perm(perm) for perm in perms)


def can_see_tenants(request) -> bool:
    return _can(request, "tenancy.view_tenant")


def can_see_users(request) -> bool:
    return _can(request, "tenancy.view_user")


def can_see_activity(request) -> bool:
    return _can(request, "tenancy.view_activitylog")


def can_see_billing(request) -> bool:
    return _can(request, "billing.view_payment", "billing.view_invoice", "billing.view_subscription",
                "billing.view_plan")


def can_see_work(request) -> bool:
    return _can(request, "work.view_team", "work.view_task")


def is_superuser(request) -> bool:
    return request.user.is_superuser


def badge_pending_tenants(request) -> int:
    from platform_admin.selectors import tenant_count
    from tenancy.models import TenantStatus

    return tenant_count(status=TenantStatus.PENDING)


def badge_pending_payments(request) -> int:
    from platform_admin.selectors import payments_awaiting_verification_count

    return payments_awaiting_verification_count()


def navigation(request) -> list[dict]:
    """Return the sidebar with a count beside an item only when something waits there."""
    import copy

    from django.utils.module_loading import import_string

    from project.unfold import NAVIGATION

    groups = copy.deepcopy(NAVIGATION)
    for group in groups:
        for item in group["items"]:
            callback = item.pop("badge_count", None)
            if callback is None or not import_string(item["permission"])(request):
                continue
            count = import_string(callback)(request)
            if count:
                item["badge"] = count  # a number, not a path: unfold shows it as is
    return groups
