"""On MariaDB the dashboard's revenue figures read the monthly rows by their unique key, never the invoice table."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus
from billing.services.revenue import revenue_rebuild
from billing.tests.factories import SubscriptionFactory
from platform_admin import selectors

TODAY = datetime.date(2026, 3, 18)
STATUSES = [InvoiceStatus.PAID, InvoiceStatus.ISSUED, InvoiceStatus.VOID, InvoiceStatus.DRAFT]


def _explain(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def invoices():
    """4,000 invoices over two years, two currencies, every status (paid_at only on the paid and voided ones)."""
    subscription = SubscriptionFactory()
    start = timezone.make_aware(datetime.datetime(2024, 1, 1))
    Invoice.objects.bulk_create([
        Invoice(tenant=subscription.tenant, subscription=subscription, plan=subscription.plan, number=f"B-{i:05d}",
                status=STATUSES[i % 4], currency=("USD", "EUR")[i % 3 == 0], subtotal=Decimal("10.00"),
                total=Decimal("10.00"), issued_on=(start + datetime.timedelta(hours=5 * i)).date(),
                paid_at=start + datetime.timedelta(hours=5 * i) if STATUSES[i % 4] in ("PAID", "VOID") else None)
        for i in range(4000)])
    revenue_rebuild()  # bulk-created around the services: the monthly rows from the invoices
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE billing_invoice")  # commits: hence transaction=True below
        cursor.execute("ANALYZE TABLE billing_revenuemonth")
    return subscription


def _revenue_queries() -> dict[str, str]:
    """The SQL the dashboard's two revenue selectors run."""
    queries = {}
    for name, read in (("this month", selectors.revenue_this_month), ("chart", selectors.revenue_per_month)):
        with CaptureQueriesContext(connection) as captured:
            read(today=TODAY)
        assert len(captured.captured_queries) == 1, name
        queries[name] = captured.captured_queries[0]["sql"]
    return queries


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_revenue_figures_read_a_slice_of_the_monthly_rows(invoices):
    for name, sql in _revenue_queries().items():
        plan = _explain(sql)
        assert len(plan) == 1, (name, plan)
        step = plan[0]
        assert step["table"] == "billing_revenuemonth", (name, plan)
        assert step["key"] == "revenuemonth_currency_month_uniq", (name, plan)
        assert step["type"] in ("range", "ref"), (name, plan)  # a slice of the key, not a scan (ALL / index)


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_numbers_add_up_from_the_rebuilt_rows(invoices):
    paid_in_march = Invoice.objects.filter(currency="USD", status__in=("PAID", "VOID"),
                                           paid_at__gte=selectors._aware(datetime.date(2026, 3, 1)),
                                           paid_at__lt=selectors._aware(datetime.date(2026, 4, 1))).count()
    assert paid_in_march > 0
    assert selectors.revenue_this_month(today=TODAY) == Decimal("10.00") * paid_in_march
    chart = dict(selectors.revenue_per_month(today=TODAY))
    assert chart[datetime.date(2026, 3, 1)] == Decimal("10.00") * paid_in_march


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_the_payments_queue_reads_the_pending_index_in_order(invoices):
    from billing.models import Payment, PaymentMethod, VerificationStatus

    Payment.objects.bulk_create([
        Payment(tenant=invoices.tenant, invoice=invoice, subscription=invoices, amount=invoice.total,
                currency="USD", method=PaymentMethod.BANK_TRANSFER, paid_on=TODAY, proof="payment-proofs/x.pdf",
                proof_content_type="application/pdf",
                verification_status=(VerificationStatus.PENDING if i % 10 == 0 else VerificationStatus.VERIFIED))
        for i, invoice in enumerate(Invoice.objects.filter(tenant=invoices.tenant))])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE billing_payment")
    with CaptureQueriesContext(connection) as captured:
        rows = list(selectors.payments_awaiting_verification()[:10])
    assert len(rows) == 10 and all(row.tenant.pk == invoices.tenant_id for row in rows)
    plan = _explain(captured.captured_queries[0]["sql"])
    assert [step["table"] for step in plan] == ["billing_payment"], plan
    assert plan[0]["key"] == "payment_verif_created_idx", plan
    assert "filesort" not in (plan[0]["Extra"] or "") and "temporary" not in (plan[0]["Extra"] or ""), plan
