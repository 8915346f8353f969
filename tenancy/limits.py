"""Usage limits registry.

Plans and their limits live in billing, which tenancy must not import. Billing registers its
check here when it starts, so tenancy's services can ask before they create a user.
"""

from collections.abc import Callable

_checks: list[Callable] = []


def register(check: Callable) -> None:
    if check not in _checks:
        _checks.append(check)


def check(*, tenant, resource: str, adding: int = 1) -> None:
    """Raise the registered check's error when `tenant` may not add `adding` more `resource`."""
    for registered in _checks:
        registered(tenant=tenant, resource=resource, adding=adding)
