"""The billing cycle driven by `run_billing_cycle --date`: a full simulated life, idempotent every day."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from billing.models import Invoice, InvoiceStatus, Payment, Subscription, SubscriptionStatus
from billing.services import subscriptions as subscription_services
from billing.tests.factories import PlanFactory, SubscriptionFactory, billing_state, pdf_upload
from tenancy.models import Notification, NotificationType, TenantStatus

pytestmark = pytest.mark.django_db
S = SubscriptionStatus
D = datetime.date


def cycle(day: D, *, times: int = 2) -> str:
    """Run the cycle on `day` (twice by default: the second run must change nothing)."""
    outputs, states = [], []
    for _ in range(times):
        out = StringIO()
        with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 3, tzinfo=datetime.UTC)):
            call_command("run_billing_cycle", date=day.isoformat(), stdout=out)
        outputs.append(out.getvalue())
        states.append((billing_state(), list(Notification.objects.values_list("pk", flat=True))))
    for again, state_again in zip(outputs[1:], states[1:], strict=True):
        assert again.endswith("nothing to do\n"), outputs
        assert state_again == states[0]  # no row, status, number, reminder or notification changed
    return outputs[0]


def state(subscription: Subscription) -> tuple:
    subscription.refresh_from_db()
    subscription.tenant.refresh_from_db()
    return subscription.status, subscription.tenant.status


def submit(api, user, invoice: Invoice, day: D):
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 9, tzinfo=datetime.UTC)):
        response = api(user).post("/api/subscriptions/payments/", {
            "invoice": invoice.pk, "amount": str(invoice.total), "currency": invoice.currency,
            "method": "BANK_TRANSFER", "reference": "TRX", "paid_on": day.isoformat(), "proof": pdf_upload(),
        }, format="multipart")
    assert response.status_code == 201, response.json()
    return Payment.objects.get(pk=response.json()["id"])


def decide(api, staff, payment: Payment, day: D, body: dict) -> None:
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)):
        response = api(staff).post(f"/api/subscriptions/payments/{payment.pk}/verify/", body)
    assert response.status_code == 200, response.json()


def test_full_life(api, tenant, tenant_admin, super_admin):
    plan = PlanFactory(code="starter", price=Decimal("19.00"), trial_days=14)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC)):
        response = api(tenant_admin).post("/api/subscriptions/subscriptions/", {"plan": plan.pk})
    assert response.status_code == 201, response.json()
    subscription = Subscription.objects.get(pk=response.json()["id"])
    assert subscription.status == S.TRIAL and subscription.current_period_end == D(2026, 3, 15)

    cycle(D(2026, 3, 7))
    assert not Invoice.objects.exists()  # 8 days before the trial ends: not yet
    assert "invoices_issued=1" in cycle(D(2026, 3, 8))
    first = Invoice.objects.get()
    assert (first.status, first.period_start, first.due_on, first.total) == (
        InvoiceStatus.ISSUED, D(2026, 3, 15), D(2026, 3, 15), Decimal("19.00"))
    assert first.number == "INV-2026-000001"
    cycle(D(2026, 3, 12))
    assert Notification.objects.filter(type=NotificationType.TRIAL_ENDING).count() == 1
    assert Notification.objects.filter(type=NotificationType.INVOICE_DUE_SOON).count() == 1

    payment = submit(api, tenant_admin, first, D(2026, 3, 12))
    assert state(subscription) == (S.PENDING_VERIFICATION, TenantStatus.ACTIVE)
    decide(api, super_admin, payment, D(2026, 3, 13), {"action": "reject", "reason": "The proof is unreadable."})
    assert state(subscription) == (S.TRIAL, TenantStatus.ACTIVE)
    payment = submit(api, tenant_admin, first, D(2026, 3, 13))
    decide(api, super_admin, payment, D(2026, 3, 14), {"action": "verify"})
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)
    assert (subscription.current_period_start, subscription.current_period_end) == (D(2026, 3, 15), D(2026, 4, 15))
    first.refresh_from_db()
    assert first.status == InvoiceStatus.PAID

    cycle(D(2026, 3, 15))
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)  # paid: no past due
    cycle(D(2026, 4, 7))
    assert Invoice.objects.count() == 1
    assert "invoices_issued=1" in cycle(D(2026, 4, 8))
    renewal = Invoice.objects.get(status=InvoiceStatus.ISSUED)
    assert (renewal.number, renewal.period_start, renewal.period_end) == (
        "INV-2026-000002", D(2026, 4, 15), D(2026, 5, 15))

    assert "past_due=1" in cycle(D(2026, 4, 15))  # unpaid at period end
    assert state(subscription) == (S.PAST_DUE, TenantStatus.ACTIVE)
    assert subscription.past_due_since == D(2026, 4, 15)
    cycle(D(2026, 4, 16))
    assert Notification.objects.filter(type=NotificationType.INVOICE_OVERDUE).count() == 1
    cycle(D(2026, 4, 21))
    assert state(subscription) == (S.PAST_DUE, TenantStatus.ACTIVE)  # grace running, service continues
    assert "expired=1" in cycle(D(2026, 4, 22))
    assert state(subscription) == (S.EXPIRED, TenantStatus.SUSPENDED)
    assert subscription.tenant.is_suspended_for_nonpayment
    assert Notification.objects.filter(type=NotificationType.SUBSCRIPTION_EXPIRED).count() == 1

    # A suspended company may still pay (billing stays writable); verification reactivates it.
    payment = submit(api, tenant_admin, renewal, D(2026, 4, 23))
    decide(api, super_admin, payment, D(2026, 4, 24), {"action": "verify"})
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)
    assert (subscription.current_period_start, subscription.current_period_end) == (D(2026, 4, 15), D(2026, 5, 15))
    cycle(D(2026, 4, 25))
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)

    # Cancel at period end: the paid time until 15 May is honoured, nothing more is invoiced.
    with time_machine.travel(datetime.datetime(2026, 4, 26, 9, tzinfo=datetime.UTC)):
        response = api(tenant_admin).post(f"/api/subscriptions/subscriptions/{subscription.pk}/cancel/", {})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == S.ACTIVE and response.json()["cancel_at_period_end"] is True
    cycle(D(2026, 5, 8))
    cycle(D(2026, 5, 14))
    assert state(subscription) == (S.ACTIVE, TenantStatus.ACTIVE)
    assert "ended=1" in cycle(D(2026, 5, 15))
    assert state(subscription) == (S.CANCELLED, TenantStatus.ACTIVE)
    assert subscription.ended_on == D(2026, 5, 15)
    assert Invoice.objects.count() == 2
    assert list(Invoice.objects.order_by("number").values_list("status", flat=True)) == ["PAID", "PAID"]


def test_cycle_twice_a_day_issues_nothing_twice(tenant):
    subscriptions = [SubscriptionFactory(tenant=tenant, current_period_start=D(2026, 1, 10),
                                         current_period_end=D(2026, 2, 10))]
    subscriptions.append(SubscriptionFactory(current_period_start=D(2026, 1, 12), current_period_end=D(2026, 2, 12)))
    for day in (D(2026, 2, 5), D(2026, 2, 5), D(2026, 2, 6), D(2026, 2, 12), D(2026, 2, 12)):
        cycle(day, times=3)
    for subscription in subscriptions:
        assert subscription.invoices.count() == 1
    assert Notification.objects.filter(type=NotificationType.INVOICE_DUE_SOON).count() == 0  # no admins
    assert Invoice.objects.filter(number__isnull=False).values("number").distinct().count() == 2


def test_free_plan_renews_without_invoice(tenant):
    subscription = SubscriptionFactory(tenant=tenant, plan=PlanFactory(price=Decimal("0")),
                                       current_period_start=D(2026, 1, 1), current_period_end=D(2026, 2, 1))
    cycle(D(2026, 2, 1))
    subscription.refresh_from_db()
    assert subscription.status == S.ACTIVE and subscription.current_period_end == D(2026, 3, 1)
    assert not Invoice.objects.exists()


def test_pending_tenant_without_subscription_is_untouched(tenant):
    tenant.status = TenantStatus.PENDING
    tenant.save()
    assert "nothing to do" in cycle(D(2026, 2, 1))


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("run_billing_cycle", "--date", "2026-13-45")


def test_cancelled_trial_ends_at_trial_end(tenant_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant, status=S.TRIAL,
                                       current_period_start=D(2026, 1, 1), current_period_end=D(2026, 1, 15),
                                       trial_ends_on=D(2026, 1, 15))
    with time_machine.travel(datetime.datetime(2026, 1, 3, tzinfo=datetime.UTC)):
        subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                  subscription=subscription)
    cycle(D(2026, 1, 10))
    assert not Invoice.objects.exists()
    cycle(D(2026, 1, 15))
    assert state(subscription)[0] == S.CANCELLED


def test_a_late_first_run_gives_the_full_grace_after_invoicing(tenant, settings):
    """A cycle that did not run for weeks still invoices first and expires only after the grace."""
    settings.GRACE_DAYS = 7
    subscription = SubscriptionFactory(tenant=tenant, current_period_start=D(2026, 1, 10),
                                       current_period_end=D(2026, 2, 10))
    cycle(D(2026, 3, 1))  # 19 days after the period ended: invoiced today, grace starts today
    assert state(subscription) == (S.PAST_DUE, TenantStatus.ACTIVE)
    assert subscription.past_due_since == D(2026, 3, 1)
    assert subscription.invoices.get().issued_on == D(2026, 3, 1)
    cycle(D(2026, 3, 7))
    assert state(subscription) == (S.PAST_DUE, TenantStatus.ACTIVE)
    cycle(D(2026, 3, 8))
    assert state(subscription) == (S.EXPIRED, TenantStatus.SUSPENDED)
