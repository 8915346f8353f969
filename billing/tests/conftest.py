"""Billing test fixtures: one tenant with a subscription, open invoices and a payment awaiting staff."""

from decimal import Decimal

import pytest

from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, manual_invoice, submitted_payment


@pytest.fixture
def world(tenant):
    """Alpha on the 49.00 "pro" plan: its renewal invoice open, a 120.00 manual invoice with a proof waiting."""
    plan = PlanFactory(code="pro", price=Decimal("49.00"))
    subscription = SubscriptionFactory(tenant=tenant, plan=plan)
    renewal = issued_invoice(subscription=subscription)
    manual = manual_invoice(tenant)
    payment = submitted_payment(invoice=manual)
    return {"tenant": tenant, "plan": plan, "plan2": PlanFactory(code="biz", price=Decimal("99.00")),
            "sub": subscription, "renewal": renewal, "manual": manual, "payment": payment}
