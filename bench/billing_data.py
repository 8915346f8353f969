"""Invoices and payments for the export benchmark, bulk-created through the models (reused between runs)."""

import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services.revenue import revenue_rebuild

BATCH = 5_000
METHODS = list(PaymentMethod.values)


def fill(*, tenants, payments: int, log) -> None:
    """Give the first tenant `payments` paid invoices with one payment each (1% still awaiting verification)."""
    tenant = tenants[0]
    have = Payment.objects.filter(tenant=tenant).count()
    if have == payments:
        _set_paid_at(tenant)
        revenue_rebuild()
        return
    if have:
        log(f"payments: {have}, expected {payments}: rebuilding")
        Payment.objects.filter(tenant=tenant).delete()
        Invoice.objects.filter(tenant=tenant).delete()
    plan, _ = Plan.objects.get_or_create(code="bench", defaults={"name": "Bench", "price": Decimal("49.00")})
    subscription = Subscription.objects.filter(tenant=tenant).first() or Subscription.objects.create(
        tenant=tenant, plan=plan, status=SubscriptionStatus.ACTIVE)
    start = timezone.now() - datetime.timedelta(days=400)
    for offset in range(0, payments, BATCH):
        count = min(BATCH, payments - offset)
        invoices = Invoice.objects.bulk_create([
            Invoice(tenant=tenant, subscription=subscription, plan=plan, kind=InvoiceKind.RENEWAL,
                    number=f"BENCH-{offset + i + 1:07d}", status=InvoiceStatus.PAID,
                    issued_on=(start + datetime.timedelta(minutes=offset + i)).date(), currency="USD",
                    subtotal=Decimal("49.00"), total=Decimal("49.00"), bill_to_name=tenant.name)
            for i in range(count)])
        Payment.objects.bulk_create([
            Payment(tenant=tenant, invoice=invoice, subscription=subscription, amount=Decimal("49.00"),
                    currency="USD", method=METHODS[(offset + i) % len(METHODS)], reference=f"REF-{offset + i}",
                    paid_on=invoice.issued_on, proof="payment-proofs/none.pdf", proof_content_type="application/pdf",
                    status=PaymentStatus.PENDING if (offset + i) % 100 == 0 else PaymentStatus.COMPLETED,
                    verification_status=(VerificationStatus.PENDING if (offset + i) % 100 == 0
                                         else VerificationStatus.VERIFIED),
                    created_at=start + datetime.timedelta(minutes=offset + i))
            for i, invoice in enumerate(invoices)])
    _set_paid_at(tenant)
    revenue_rebuild()  # the invoices were paid around the services: the dashboard's monthly rows from them
    log(f"payments: {payments}")


def _set_paid_at(tenant) -> None:
    """Spread the paid invoices' paid_at over the last 400 days: the dashboard's revenue sums read it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id), COUNT(*) FROM billing_invoice WHERE tenant_id = %s AND status = 'PAID' "
                       "AND paid_at IS NULL", [tenant.pk])
        last, missing = cursor.fetchone()
        if not missing:
            return
        step = max(1, 400 * 86400 // missing)
        cursor.execute("UPDATE billing_invoice SET paid_at = DATE_SUB(UTC_TIMESTAMP(6), "
                       "INTERVAL (%s - id) * %s SECOND) WHERE tenant_id = %s AND status = 'PAID' "
                       "AND paid_at IS NULL", [last, step, tenant.pk])
