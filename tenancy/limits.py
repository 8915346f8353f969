"""Usage limits: a registry that keeps tenancy free of imports from billing and work.

Each app registers how to count what it owns (`register_usage`); billing registers the policy
that returns a tenant's limits from its plan (`register_policy`). Services call `check` before
they create something that counts against a limit; billing's dashboard reads `usage`.

The registry fails closed: without a registered policy `manage.py check` (and so runserver, migrate
and the deploy check) stops with error tenancy.E001, and at call time every limit is 0, so `check`
refuses every addition instead of treating the tenant as unlimited. "Unlimited" (None) is only ever
a policy's answer.
"""

import logging
from collections.abc import Callable

from django.core import checks

from tenancy.exceptions import PlanLimitReached

logger = logging.getLogger(__name__)

# resource name -> counters(tenant) -> number; a resource's usage is the sum of its counters
_counters: dict[str, list[Callable]] = {}
_policy: list[Callable] = []

RESOURCES = ("users", "teams", "tasks", "storage_mb")


def register_usage(resource: str, counter: Callable) -> None:
    """Add a counter of `resource` for a tenant (several apps may each count their own files)."""
    if resource not in RESOURCES:
        raise ValueError(f"unknown resource {resource!r}")
    counters = _counters.setdefault(resource, [])
    if counter not in counters:
        counters.append(counter)


def register_policy(policy: Callable) -> None:
    """Declare the function returning a tenant's limits: {resource: int or None (unlimited)}."""
    _policy[:] = [policy]


def policy_registered() -> bool:
    return bool(_policy)


def limits_for(tenant) -> dict:
    """Return {resource: max or None (unlimited)}; every limit is 0 when no policy is registered."""
    if not _policy:
        logger.error("No usage-limit policy is registered: every limit is 0 for tenant %s", getattr(tenant, "pk", None))
        return dict.fromkeys(RESOURCES, 0)
    return _policy[0](tenant)


def usage(tenant, resource: str) -> int | float:
    return sum(counter(tenant) for counter in _counters.get(resource, []))


def usage_report(tenant) -> list[dict]:
    """Return each resource's usage against its limit (None = unlimited)."""
    limits = limits_for(tenant)
    return [{"resource": r, "used": usage(tenant, r), "limit": limits.get(r)} for r in RESOURCES]


def check(*, tenant, resource: str, adding: int | float = 1) -> None:
    """Raise PlanLimitReached when `tenant` may not add `adding` more of `resource`."""
    limit = limits_for(tenant).get(resource)
    if limit is None:
        return
    used = usage(tenant, resource)
    if not _policy:
        raise PlanLimitReached("Usage limits are not configured on this platform, so nothing new can be added; "
                               "please contact support.", fields={"limit": resource, "max": 0, "used": used})
    if used + adding > limit:
        raise PlanLimitReached(
            f"Your plan allows {limit} {resource.replace('_', ' ')}; upgrade the plan to add more.",
            fields={"limit": resource, "max": limit, "used": used},
        )


@checks.register()
def policy_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse to run without a limits policy (billing registers it in its AppConfig.ready)."""
    if _policy:
        return []
    return [checks.Error("No usage-limit policy is registered (tenancy.limits.register_policy); without one "
                         "every plan limit would be 0.", hint="Install the billing app, which registers it.",
                         id="tenancy.E001")]
