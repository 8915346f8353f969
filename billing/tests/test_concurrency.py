"""Row locks under real concurrency (MariaDB only: SQLite serialises every writer anyway)."""

import datetime

import pytest

from billing.models import (
    Invoice,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services import invoices as invoice_services
from billing.services import payments as payment_services
from billing.services import subscriptions as subscription_services
from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, submitted_payment
from project.testing import run_at_once
from tenancy.exceptions import Conflict
from tenancy.models import Notification, NotificationType, Role, TenantStatus
from tenancy.tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, work) -> list:
    """Call work(0) .. work(count - 1) from threads released together; return each result or exception."""
    return run_at_once([lambda i=i: work(i) for i in range(count)])


def test_twenty_concurrent_verifications_apply_once():
    staff = StaffFactory()
    subscription = SubscriptionFactory(status=SubscriptionStatus.EXPIRED)
    tenant = subscription.tenant
    tenant.status, tenant.is_suspended_for_nonpayment = TenantStatus.SUSPENDED, True
    tenant.save()
    admin = UserFactory(tenant=tenant, role=Role.TENANT_ADMIN)
    invoice = issued_invoice(subscription=subscription)
    payment = submitted_payment(invoice=invoice)

    results = run_concurrently(20, lambda i: payment_services.payment_verify(
        tenant=tenant, actor=staff, payment=Payment.objects.get(pk=payment.pk)))

    done = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 1, results
    assert len(refused) == 19 and {r.code for r in refused} == {"payment_already_processed"}
    payment.refresh_from_db()
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    tenant.refresh_from_db()
    assert payment.verification_status == VerificationStatus.VERIFIED
    assert invoice.status == InvoiceStatus.PAID
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert tenant.status == TenantStatus.ACTIVE
    # Exactly one effect: one history row per change, one notification per admin.
    assert payment.history.filter(verification_status=VerificationStatus.VERIFIED).count() == 1
    assert invoice.history.filter(status=InvoiceStatus.PAID).count() == 1
    assert Notification.objects.filter(recipient=admin, type=NotificationType.PAYMENT_VERIFIED).count() == 1


def test_four_threads_issue_gapless_unique_numbers():
    subscription = SubscriptionFactory()
    tenants = [subscription.tenant, SubscriptionFactory().tenant]
    assert not InvoiceSequence.objects.exists()  # the year's counter row is created under contention too
    per_thread = 6
    day = datetime.date(2026, 6, 1)

    def issue(index: int) -> list[str]:
        numbers = []
        for _ in range(per_thread):
            invoice = invoice_services.invoice_create_and_issue(
                tenant=tenants[index % 2], actor=None, issued_on=day,
                lines=[{"description": "Work", "quantity": 1, "unit_price": "10.00"}])
            numbers.append(invoice.number)
        return numbers

    results = run_concurrently(4, issue)
    assert all(isinstance(r, list) for r in results), results
    numbers = sorted(n for r in results for n in r)
    assert numbers == [f"INV-2026-{i:06d}" for i in range(1, 4 * per_thread + 1)]
    assert Invoice.objects.filter(number__isnull=False).count() == 4 * per_thread
    assert InvoiceSequence.objects.get(year=2026).last_number == 4 * per_thread


def test_concurrent_subscribe_creates_one_subscription(tenant):
    plan = PlanFactory()
    admins = [UserFactory(tenant=tenant, role=Role.TENANT_ADMIN) for _ in range(4)]
    results = run_concurrently(4, lambda i: subscription_services.subscription_create(
        tenant=tenant, actor=admins[i], plan=plan))
    assert sum(isinstance(r, Subscription) for r in results) == 1, results
    assert {r.code for r in results if isinstance(r, Conflict)} == {"subscription_exists"}
    assert Subscription.objects.filter(tenant=tenant).count() == 1
    assert Invoice.objects.filter(tenant=tenant).count() == 1


def test_cancel_and_submit_at_once_never_deadlock():
    """Cancel voids open invoices while a proof for one is submitted: one wins, cleanly, every time."""
    for _ in range(6):
        subscription = SubscriptionFactory()
        admin = UserFactory(tenant=subscription.tenant, role=Role.TENANT_ADMIN)
        invoice = issued_invoice(subscription=subscription)

        def work(index: int, subscription=subscription, admin=admin, invoice=invoice):
            if index == 0:
                return submitted_payment(invoice=Invoice.objects.get(pk=invoice.pk), actor=admin)
            return subscription_services.subscription_cancel(
                tenant=subscription.tenant, actor=admin, subscription=Subscription.objects.get(pk=subscription.pk))

        submitted, cancelled = run_concurrently(2, work)
        invoice.refresh_from_db()
        subscription.refresh_from_db()
        if isinstance(submitted, Payment):  # the proof came first: no cancelling while staff check it
            assert isinstance(cancelled, Conflict) and cancelled.code == "invalid_transition", cancelled
            assert (subscription.status, invoice.status) == (SubscriptionStatus.PENDING_VERIFICATION,
                                                             InvoiceStatus.ISSUED)
        else:  # the cancellation came first: its open invoice is void and cannot be paid
            assert isinstance(submitted, Conflict) and submitted.code == "invoice_not_open", submitted
            assert isinstance(cancelled, Subscription), cancelled
            assert subscription.cancel_at_period_end and invoice.status == InvoiceStatus.VOID
            assert not Payment.objects.filter(invoice=invoice).exists()


def test_concurrent_settlements_add_up_in_their_month_row():
    """The month has no row yet: every settlement tries the INSERT, one wins, the others add to it."""
    from decimal import Decimal

    from billing.models import RevenueMonth
    from billing.services.revenue import revenue_recompute
    from billing.services.settlement import invoice_mark_paid

    invoices = [issued_invoice(subscription=SubscriptionFactory(), subtotal=Decimal(f"{10 + i}.00"),
                               total=Decimal(f"{10 + i}.00")) for i in range(4)]

    results = run_concurrently(4, lambda i: invoice_mark_paid(tenant=invoices[i].tenant, actor=None,
                                                              invoice=invoices[i]))

    assert all(isinstance(result, Invoice) for result in results), results
    row = RevenueMonth.objects.get()
    assert (row.total, row.invoice_count) == (Decimal("46.00"), 4)
    assert {(row.currency, row.month): (row.total, row.invoice_count)} == revenue_recompute()
