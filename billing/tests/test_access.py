"""Access follows payment: the limits table of billing/README.md, and the unpaid journey replayed day by day."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, Subscription, SubscriptionStatus
from billing.services.limits import plan_limits_for_tenant
from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, submitted_payment
from billing.tests.test_cycle import cycle, decide, state, submit
from tenancy.models import Notification, NotificationType, TenantStatus
from work.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
S = SubscriptionStatus
D = datetime.date
TODAY = D(2026, 6, 10)
GRACE = 7


def _at(day: D, hour: int = 9):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC))


@pytest.fixture
def plans(settings):
    settings.GRACE_DAYS, settings.INVOICE_DUE_DAYS = GRACE, 14
    return {
        "free": PlanFactory(code="free", price=Decimal("0.00"), max_teams=1, max_users=3),
        "enterprise": PlanFactory(code="enterprise", price=Decimal("199.00"), max_teams=None, max_users=None),
    }


# (status, status the waiting proof was sent from, days since PAST_DUE began, limits of)
ACCESS_TABLE = [
    (S.TRIAL, None, None, "plan"),
    (S.ACTIVE, None, None, "plan"),
    (S.PENDING_PAYMENT, None, None, "free"),
    (S.PAST_DUE, None, 0, "plan"),
    (S.PAST_DUE, None, GRACE - 1, "plan"),
    (S.PAST_DUE, None, GRACE, "free"),  # the cycle has not run yet: access stops anyway
    (S.PENDING_VERIFICATION, S.TRIAL, None, "plan"),
    (S.PENDING_VERIFICATION, S.ACTIVE, None, "plan"),
    (S.PENDING_VERIFICATION, S.PAST_DUE, GRACE - 1, "plan"),
    (S.PENDING_VERIFICATION, S.PAST_DUE, GRACE, "free"),
    (S.PENDING_VERIFICATION, S.PENDING_PAYMENT, None, "free"),  # a first invoice's proof pays nothing yet
    (S.PENDING_VERIFICATION, S.EXPIRED, None, "free"),
    (S.EXPIRED, None, None, "free"),
    (S.CANCELLED, None, None, "free"),
]


@pytest.mark.parametrize(("status", "proof_from", "past_due_days", "expected"), ACCESS_TABLE)
def test_access_table(tenant, plans, status, proof_from, past_due_days, expected):
    with _at(TODAY):
        subscription = SubscriptionFactory(
            tenant=tenant, plan=plans["enterprise"], status=proof_from or status,
            current_period_start=TODAY - datetime.timedelta(days=30), current_period_end=TODAY,
            past_due_since=None if past_due_days is None else TODAY - datetime.timedelta(days=past_due_days))
        if proof_from is not None:
            invoice = issued_invoice(subscription=subscription, total=Decimal("199.00"), subtotal=Decimal("199.00"))
            submitted_payment(invoice=invoice)
            subscription.refresh_from_db()
            assert subscription.status == S.PENDING_VERIFICATION
        limits = plan_limits_for_tenant(tenant)
    assert limits == plans[{"plan": "enterprise", "free": "free"}[expected]].limits()


def test_without_a_free_plan_nothing_is_limited_until_the_cycle_suspends(tenant, plans):
    plans["free"].delete()
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(code="small", max_teams=1), status=S.PENDING_PAYMENT)
    assert plan_limits_for_tenant(tenant) == {}


def _teams_allowed(api, user, day: D) -> bool:
    with _at(day, 12):
        response = api(user).post("/api/teams/", {"name": f"Team {day}"})
    assert response.status_code in (201, 403), response.json()
    if response.status_code == 403:
        assert response.json()["code"] == "plan_limit_reached"
    return response.status_code == 201


def test_enterprise_unpaid_expires_on_the_day_the_table_says(api, tenant, tenant_admin, super_admin, plans):
    """The issue's journey: enterprise subscribed, never paid, cycle every day: EXPIRED on due + GRACE, free limits."""
    TeamFactory(tenant=tenant, name="First")
    start = D(2026, 3, 2)
    with _at(start, 8):
        response = api(tenant_admin).post("/api/subscriptions/subscriptions/", {"plan": plans["enterprise"].pk})
    assert response.status_code == 201, response.json()
    subscription = Subscription.objects.get(pk=response.json()["id"])
    first = Invoice.objects.get(subscription=subscription)
    assert (first.kind, first.status, first.due_on) == (InvoiceKind.FIRST, InvoiceStatus.ISSUED, D(2026, 3, 16))
    expires_on = first.due_on + datetime.timedelta(days=GRACE)  # 23 March

    assert not _teams_allowed(api, tenant_admin, start)  # unpaid: the free plan's one team
    day = start
    while day <= expires_on + datetime.timedelta(days=10):
        cycle(day)
        with _at(day, 12):
            assert plan_limits_for_tenant(tenant) == plans["free"].limits(), day
        expected = S.EXPIRED if day >= expires_on else S.PENDING_PAYMENT
        assert state(subscription) == (expected, TenantStatus.ACTIVE), day
        if day == expires_on:
            assert subscription.expired_on == expires_on
            assert not _teams_allowed(api, tenant_admin, day)
        day += datetime.timedelta(days=1)

    reminders = {t: Notification.objects.filter(tenant=tenant, type=t).count() for t in (
            NotificationType.INVOICE_DUE_SOON, NotificationType.INVOICE_OVERDUE,
            NotificationType.SUBSCRIPTION_EXPIRED)}
    assert reminders == {NotificationType.INVOICE_DUE_SOON: 1, NotificationType.INVOICE_OVERDUE: 1,
                         NotificationType.SUBSCRIPTION_EXPIRED: 1}
    assert "Free plan" in Notification.objects.get(type=NotificationType.SUBSCRIPTION_EXPIRED).body
    first.refresh_from_db()
    assert first.status == InvoiceStatus.ISSUED  # still payable, data kept

    # Paying the open invoice late brings the plan back from the day of verification.
    paid_day = expires_on + datetime.timedelta(days=11)
    payment = submit(api, tenant_admin, first, paid_day)
    assert state(subscription) == (S.PENDING_VERIFICATION, TenantStatus.ACTIVE)
    assert not _teams_allowed(api, tenant_admin, paid_day)  # a proof alone pays nothing yet
    decide(api, super_admin, payment, paid_day, {"action": "verify"})
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)
    assert subscription.current_period_start == paid_day
    assert _teams_allowed(api, tenant_admin, paid_day)


def test_without_a_free_plan_the_unpaid_company_is_suspended(tenant, tenant_admin, plans):
    plans["free"].delete()
    with _at(D(2026, 3, 2)):
        from billing.services.subscriptions import subscription_create

        subscription = subscription_create(tenant=tenant, actor=tenant_admin, plan=plans["enterprise"])
    cycle(D(2026, 3, 22))
    assert state(subscription) == (S.PENDING_PAYMENT, TenantStatus.ACTIVE)
    cycle(D(2026, 3, 23))
    assert state(subscription) == (S.EXPIRED, TenantStatus.SUSPENDED)
    assert subscription.tenant.is_suspended_for_nonpayment


def test_an_unpaid_trial_ends_on_free_limits_and_its_invoice_is_the_first(tenant, tenant_admin, plans):
    plan = PlanFactory(code="starter", price=Decimal("19.00"), trial_days=14, max_teams=3)
    with _at(D(2026, 3, 1)):
        from billing.services.subscriptions import subscription_create

        subscription = subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
        assert plan_limits_for_tenant(tenant) == plan.limits()
    cycle(D(2026, 3, 8))
    invoice = subscription.invoices.get()
    assert (invoice.kind, invoice.due_on, invoice.period_start) == (InvoiceKind.FIRST, D(2026, 3, 15), D(2026, 3, 15))
    cycle(D(2026, 3, 15))
    assert state(subscription) == (S.PAST_DUE, TenantStatus.ACTIVE)
    with _at(D(2026, 3, 21)):
        assert plan_limits_for_tenant(tenant) == plan.limits()  # grace: service continues
    cycle(D(2026, 3, 22))
    assert state(subscription) == (S.EXPIRED, TenantStatus.ACTIVE)  # never paid: back to free, not suspended
    with _at(D(2026, 3, 22)):
        assert plan_limits_for_tenant(tenant) == plans["free"].limits()


def test_a_lapsed_paid_subscription_still_suspends(tenant, plans):
    subscription = SubscriptionFactory(tenant=tenant, plan=plans["enterprise"], current_period_start=D(2026, 1, 10),
                                       current_period_end=D(2026, 2, 10))
    paid = issued_invoice(subscription=subscription, period_start=D(2026, 1, 10), period_end=D(2026, 2, 10))
    Invoice.objects.filter(pk=paid.pk).update(status=InvoiceStatus.PAID)
    cycle(D(2026, 2, 10))
    cycle(D(2026, 2, 17))
    assert state(subscription) == (S.EXPIRED, TenantStatus.SUSPENDED)
    assert not Payment.objects.exists()
