"""Usage limits: a registry that keeps tenancy free of imports from billing and work.

Each app registers how to count what it owns (`register_usage`); billing registers the policy
that returns a tenant's limits from its plan (`register_policy`). Services call `check` before
they create something that counts against a limit; billing's dashboard reads `usage`.
"""

from collections.abc import Callable

from tenancy.exceptions import PlanLimitReached

# resource name -> counter(tenant) -> int
_counters: dict[str, Callable] = {}
_policy: list[Callable] = []

RESOURCES = ("users", "teams", "tasks", "storage_mb")


def register_usage(resource: str, counter: Callable) -> None:
    """Declare how to count `resource` for a tenant."""
    if resource not in RESOURCES:
        raise ValueError(f"unknown resource {resource!r}")
    _counters[resource] = counter


def register_policy(policy: Callable) -> None:
    """Declare the function returning a tenant's limits: {resource: int or None (unlimited)}."""
    _policy[:] = [policy]


def limits_for(tenant) -> dict:
    return _policy[0](tenant) if _policy else {}


def usage(tenant, resource: str) -> int | float:
    counter = _counters.get(resource)
    return counter(tenant) if counter is not None else 0


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
    if used + adding > limit:
        raise PlanLimitReached(
            f"Your plan allows {limit} {resource.replace('_', ' ')}; upgrade the plan to add more.",
            fields={"limit": resource, "max": limit, "used": used},
        )
