"""Billing's tunable values: the server's settings, unless staff stored others in the control panel.

The control panel keeps them in its SystemSetting row; it registers a provider here when it starts,
so billing never imports platform_admin (imports run one way).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class BillingSettings:
    issuer: dict
    renewal_lead_days: int
    grace_days: int


_provider: list[Callable[[], BillingSettings]] = []


def register_provider(provider: Callable[[], BillingSettings]) -> None:
    _provider[:] = [provider]


def billing_settings() -> BillingSettings:
    """Return the values in force now."""
    if _provider:
        return _provider[0]()
    return BillingSettings(issuer=dict(settings.INVOICE_ISSUER), renewal_lead_days=settings.RENEWAL_LEAD_DAYS,
                           grace_days=settings.GRACE_DAYS)
