"""Plan limits: the policy billing registers with tenancy's usage registry, and the check other apps call.

Access follows payment (the table in billing/README.md). A subscription grants its plan's limits
only while it is

- TRIAL or ACTIVE;
- PAST_DUE within grace (before `past_due_since + GRACE_DAYS`);
- PENDING_VERIFICATION of a paid-for period: the proof waiting for staff was sent from TRIAL, ACTIVE
  or PAST_DUE within grace (the status a rejection restores), so checking a proof never cuts service.

Otherwise (PENDING_PAYMENT, PENDING_VERIFICATION of a first invoice or of an expired subscription,
PAST_DUE beyond grace, EXPIRED, CANCELLED, never subscribed) the company has the fallback: the Free
plan's limits when an active plan with code "free" exists; otherwise nothing is limited, so that a
platform without a Free plan does not lock tenants out before they choose one (there the cycle
SUSPENDS a company whose first invoice stays unpaid, see services/cycle.py).
"""

import datetime

from django.utils import timezone

from billing.conf import billing_settings
from billing.models import CURRENT_SUBSCRIPTION_STATUSES, Payment, Plan, Subscription, SubscriptionStatus
from tenancy.models import Tenant

FREE_PLAN_CODE = "free"
S = SubscriptionStatus


def free_plan() -> Plan | None:
    return Plan.objects.filter(code=FREE_PLAN_CODE, is_active=True).first()


def _within_grace(subscription: Subscription, on: datetime.date) -> bool:
    since = subscription.past_due_since or subscription.current_period_end
    return since is None or on < since + datetime.timedelta(days=billing_settings().grace_days)


def subscription_grants_plan(subscription: Subscription, *, on: datetime.date | None = None) -> bool:
    """Tell whether the subscription gives its plan's limits on `on` (today by default)."""
    on = on or timezone.localdate()
    if subscription.status in (S.TRIAL, S.ACTIVE):
        return True
    if subscription.status == S.PAST_DUE:
        return _within_grace(subscription, on)
    if subscription.status == S.PENDING_VERIFICATION:
        previous = (Payment.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription)
                    .order_by("-created_at", "-id").values_list("previous_subscription_status", flat=True).first())
        if previous in (S.TRIAL, S.ACTIVE):
            return True
        return previous == S.PAST_DUE and _within_grace(subscription, on)
    return False


def plan_limits_for_tenant(tenant: Tenant) -> dict:
    """Return {resource: max or None} for the tenant (see the module docstring for the table)."""
    subscription = (Subscription.objects.filter(tenant=tenant, status__in=CURRENT_SUBSCRIPTION_STATUSES)
                    .select_related("plan").order_by("-id").first())
    if subscription is not None and subscription_grants_plan(subscription):
        return subscription.plan.limits()
    free = free_plan()
    return free.limits() if free is not None else {}
