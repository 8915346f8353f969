"""Plan limits: the policy billing registers with tenancy's usage registry, and the check other apps call.

A tenant's limits come from the plan of its current subscription (TRIAL, PENDING_PAYMENT,
PENDING_VERIFICATION, ACTIVE or PAST_DUE). Without one (never subscribed, EXPIRED or CANCELLED)
the Free plan's limits apply when an active plan with code "free" exists; otherwise nothing is
limited, so that a platform without a Free plan does not lock tenants out before they choose one.
"""

from billing.models import CURRENT_SUBSCRIPTION_STATUSES, Plan, Subscription
from tenancy import limits
from tenancy.models import Tenant

FREE_PLAN_CODE = "free"


def plan_limits_for_tenant(tenant: Tenant) -> dict:
    """Return {resource: max or None} for the tenant (see the module docstring for the fallback)."""
    subscription = (Subscription.objects.filter(tenant=tenant, status__in=CURRENT_SUBSCRIPTION_STATUSES)
                    .select_related("plan").order_by("-id").first())
    if subscription is not None:
        return subscription.plan.limits()
    free = Plan.objects.filter(code=FREE_PLAN_CODE, is_active=True).first()
    return free.limits() if free is not None else {}


def limit_check(*, tenant: Tenant, resource: str, adding: int | float = 1) -> None:
    """Raise PlanLimitReached (403 plan_limit_reached) when the tenant may not add `adding` of `resource`."""
    limits.check(tenant=tenant, resource=resource, adding=adding)
