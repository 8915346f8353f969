"""MRR from what was billed: each subscription at its own price, per currency, unchanged by plan price edits."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import BillingPeriod, Invoice, InvoiceStatus, SubscriptionStatus
from billing.services.plans import plan_update
from billing.services.settlement import invoice_mark_paid
from billing.services.subscriptions import subscription_create, subscription_set_reprice_at_renewal
from billing.tests.factories import PlanFactory, SubscriptionFactory
from billing.tests.test_cycle import cycle
from platform_admin import selectors
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
S = SubscriptionStatus
D = datetime.date


def _sub(plan, status=S.ACTIVE, **terms):
    return SubscriptionFactory(tenant=TenantFactory(), plan=plan, status=status, **terms)


@pytest.fixture
def mixed():
    usd_m = PlanFactory(code="usd-m", price=Decimal("49.00"))
    usd_y = PlanFactory(code="usd-y", price=Decimal("120.00"), period=BillingPeriod.YEARLY)
    usd_small = PlanFactory(code="usd-small", price=Decimal("19.00"))
    usd_big_y = PlanFactory(code="usd-big-y", price=Decimal("1000.00"), period=BillingPeriod.YEARLY)
    eur_m = PlanFactory(code="eur-m", price=Decimal("99.00"), currency="EUR")
    eur_y = PlanFactory(code="eur-y", price=Decimal("500.00"), currency="EUR", period=BillingPeriod.YEARLY)
    gbp_y = PlanFactory(code="gbp-y", price=Decimal("10.00"), currency="GBP", period=BillingPeriod.YEARLY)
    _sub(usd_m)                                   # 49.00
    _sub(usd_y)                                   # 120 / 12 = 10.00
    _sub(usd_small, S.PAST_DUE)                   # 19.00: still served and billed
    _sub(usd_big_y, S.PAST_DUE)                   # 1000 / 12 = 83.333...
    _sub(usd_m, price=Decimal("39.00"))           # sold at 39 before the plan cost 49: 39.00
    _sub(eur_m)                                   # 99.00 EUR
    _sub(eur_y)                                   # 500 / 12 = 41.666... EUR
    _sub(gbp_y)                                   # 10 / 12 = 0.833... GBP
    for status in (S.TRIAL, S.PENDING_PAYMENT, S.PENDING_VERIFICATION, S.EXPIRED, S.CANCELLED):
        _sub(usd_m, status)                       # not revenue
    return {"usd_m": usd_m, "eur_m": eur_m}


def test_mrr_per_currency_against_hand_computed_figures(mixed):
    # USD: 49 + 10 + 19 + 83.333... + 39 = 200.333... ; EUR: 99 + 41.666... = 140.666... ; GBP: 0.833...
    assert selectors.monthly_recurring_revenue() == {
        "EUR": Decimal("140.67"), "GBP": Decimal("0.83"), "USD": Decimal("200.33")}


def test_mrr_is_unchanged_by_a_plan_price_edit(mixed):
    before = selectors.monthly_recurring_revenue()
    plan_update(actor=None, plan=mixed["usd_m"], price=Decimal("59.00"))
    plan_update(actor=None, plan=mixed["eur_m"], price=Decimal("1.00"), currency="EUR")
    assert selectors.monthly_recurring_revenue() == before


def test_mrr_cards_on_the_dashboard(admin_client, super_admin, mixed):
    response = admin_client(super_admin).get("/admin/")
    cards = {card["id"]: card["value"] for card in response.context["dashboard_cards"]}
    assert {key: value for key, value in cards.items() if key.startswith("mrr-")} == {
        "mrr-eur": "140.67 EUR", "mrr-gbp": "0.83 GBP", "mrr-usd": "200.33 USD"}


def test_no_subscription_shows_zero_in_the_default_currency(admin_client, super_admin, settings):
    response = admin_client(super_admin).get("/admin/")
    cards = {card["id"]: card["value"] for card in response.context["dashboard_cards"]}
    assert cards[f"mrr-{settings.DEFAULT_CURRENCY.lower()}"] == f"0.00 {settings.DEFAULT_CURRENCY}"


def _pay(invoice: Invoice, day: D) -> None:
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)):
        invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice, on=day)


def test_renewal_keeps_the_sold_price_unless_staff_reprice(tenant, settings):
    settings.RENEWAL_LEAD_DAYS = 7
    plan = PlanFactory(code="pro", price=Decimal("49.00"))
    with time_machine.travel(datetime.datetime(2026, 1, 10, 9, tzinfo=datetime.UTC)):
        subscription = subscription_create(tenant=tenant, actor=None, plan=plan)
    _pay(subscription.invoices.get(), D(2026, 1, 10))
    plan_update(actor=None, plan=plan, price=Decimal("59.00"))
    assert selectors.monthly_recurring_revenue() == {"USD": Decimal("49.00")}

    cycle(D(2026, 2, 3))  # renewal issued at the price it was sold at
    renewal = subscription.invoices.get(status=InvoiceStatus.ISSUED)
    assert (renewal.total, renewal.billing_period) == (Decimal("49.00"), BillingPeriod.MONTHLY)
    assert renewal.lines.get().description == "Pro plan (monthly), 10 Feb 2026 \N{EN DASH} 9 Mar 2026"

    # Staff choose the new price: the issued renewal is re-issued at 59, and paying it moves the MRR.
    with time_machine.travel(datetime.datetime(2026, 2, 4, 9, tzinfo=datetime.UTC)):
        subscription_set_reprice_at_renewal(tenant=tenant, actor=None, subscription=subscription, reprice=True)
    renewal.refresh_from_db()
    assert renewal.status == InvoiceStatus.VOID
    repriced = subscription.invoices.get(status=InvoiceStatus.ISSUED)
    assert (repriced.total, repriced.period_start, repriced.due_on) == (Decimal("59.00"), D(2026, 2, 10),
                                                                         renewal.due_on)
    assert selectors.monthly_recurring_revenue() == {"USD": Decimal("49.00")}  # not billed more yet
    _pay(repriced, D(2026, 2, 8))
    subscription.refresh_from_db()
    assert (subscription.price, subscription.reprice_at_renewal) == (Decimal("59.00"), False)
    assert selectors.monthly_recurring_revenue() == {"USD": Decimal("59.00")}
