"""The dashboard's revenue comes from maintained monthly rows (billing.RevenueMonth): after every write that
makes an invoice count they equal a recomputation from the invoices, and `revenue_rebuild` reproduces them."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus, RevenueMonth
from billing.services.invoices import invoice_void
from billing.services.payments import payment_verify
from billing.services.revenue import revenue_recompute, revenue_record
from billing.services.settlement import invoice_mark_paid
from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, submitted_payment
from platform_admin import selectors
from tenancy.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def rows() -> dict:
    return {(row.currency, row.month): (row.total, row.invoice_count) for row in RevenueMonth.objects.all()}


def invoice(total: str, currency: str = "USD") -> Invoice:
    plan = PlanFactory(code=f"p-{currency.lower()}", currency=currency)
    subscription = SubscriptionFactory(plan=plan)
    return issued_invoice(subscription=subscription, currency=currency, subtotal=Decimal(total),
                          total=Decimal(total))


def pay(target: Invoice, at: datetime.datetime) -> Invoice:
    with time_machine.travel(at, tick=False):
        return invoice_mark_paid(tenant=target.tenant, actor=None, invoice=Invoice.objects.get(pk=target.pk))


def void(target: Invoice, at: datetime.datetime) -> Invoice:
    with time_machine.travel(at, tick=False):
        return invoice_void(tenant=target.tenant, actor=None, invoice=Invoice.objects.get(pk=target.pk),
                            reason="refunded")


def assert_dashboard_matches_the_invoices(today: datetime.date, currencies=("USD", "EUR")):
    recomputed = revenue_recompute()
    assert rows() == recomputed
    for currency in currencies:
        chart = selectors.revenue_per_month(today=today, currency=currency)
        assert chart == [(month, recomputed.get((currency, month), (Decimal("0.00"), 0))[0])
                         for month, _ in chart]
        this_month = today.replace(day=1)
        assert selectors.revenue_this_month(today=today, currency=currency) == \
            recomputed.get((currency, this_month), (Decimal("0.00"), 0))[0]


def test_settlements_and_credit_notes_keep_the_months_equal_to_the_invoices(settings):
    settings.TIME_ZONE = "America/New_York"  # UTC-5 in winter, UTC-4 from 8 March 2026
    usd_a, usd_b, usd_c, eur = invoice("100.00"), invoice("40.00"), invoice("7.50"), invoice("60.00", "EUR")
    # 1 March 03:00 UTC is still 28 February in New York; 05:30 UTC is 1 March 00:30 there.
    pay(usd_a, utc(2026, 3, 1, 3, 0))
    pay(usd_b, utc(2026, 3, 1, 5, 30))
    pay(eur, utc(2026, 3, 1, 5, 30))
    assert rows() == {("USD", datetime.date(2026, 2, 1)): (Decimal("100.00"), 1),
                      ("USD", datetime.date(2026, 3, 1)): (Decimal("40.00"), 1),
                      ("EUR", datetime.date(2026, 3, 1)): (Decimal("60.00"), 1)}
    assert_dashboard_matches_the_invoices(datetime.date(2026, 3, 18))

    # Voided after payment in April: February keeps the payment, the credit note takes it out in April.
    void(usd_a, utc(2026, 4, 2, 12))
    credit = Invoice.objects.get(credited_invoice=usd_a)
    assert credit.total == Decimal("-100.00") and credit.status == InvoiceStatus.PAID
    pay(usd_c, utc(2026, 4, 30, 23, 0))  # 30 April 19:00 in New York
    assert rows()[("USD", datetime.date(2026, 2, 1))] == (Decimal("100.00"), 1)
    assert rows()[("USD", datetime.date(2026, 4, 1))] == (Decimal("-92.50"), 2)
    assert_dashboard_matches_the_invoices(datetime.date(2026, 4, 20))
    assert selectors.revenue_this_month(today=datetime.date(2026, 4, 20)) == Decimal("-92.50")
    assert selectors.revenue_this_month(today=datetime.date(2026, 4, 20), currency="EUR") == Decimal("0.00")
    assert dict(selectors.revenue_per_month(today=datetime.date(2026, 4, 20), currency="EUR")) \
        [datetime.date(2026, 3, 1)] == Decimal("60.00")


def test_a_verified_payment_counts_once(settings):
    target = invoice("49.00")
    payment = submitted_payment(invoice=target)
    with time_machine.travel(utc(2026, 5, 31, 23, 59), tick=False):
        payment_verify(tenant=target.tenant, actor=StaffFactory(), payment=payment)
    assert rows() == {("USD", datetime.date(2026, 5, 1)): (Decimal("49.00"), 1)} == revenue_recompute()


def test_an_unpaid_invoice_adds_nothing():
    with pytest.raises(ValueError):
        revenue_record(invoice("10.00"))
    assert not RevenueMonth.objects.exists()


def test_revenue_rebuild_reproduces_the_maintained_rows():
    paid = [invoice("10.00"), invoice("20.00"), invoice("30.00", "EUR")]
    for index, target in enumerate(paid):
        pay(target, utc(2026, 1 + index, 15, 12))
    void(paid[0], utc(2026, 3, 20, 12))
    maintained = rows()
    assert len(maintained) == 4  # USD January, February, March (the credit note), EUR March

    out = io.StringIO()
    call_command("revenue_rebuild", stdout=out)
    assert rows() == maintained
    assert "2026-03 USD -10.00 (1 invoices)" in out.getvalue() and "Revenue rebuilt: 4 month rows." in out.getvalue()

    # Invoices written around the services leave the rows behind until the rebuild.
    RevenueMonth.objects.all().delete()
    Invoice.objects.filter(pk=paid[1].pk).update(total=Decimal("25.00"))
    assert selectors.revenue_this_month(today=datetime.date(2026, 2, 10)) == Decimal("0.00")
    call_command("revenue_rebuild", stdout=io.StringIO())
    assert rows() == revenue_recompute() == {**maintained, ("USD", datetime.date(2026, 2, 1)): (Decimal("25.00"), 1)}
    assert selectors.revenue_this_month(today=datetime.date(2026, 2, 10)) == Decimal("25.00")


def test_revenue_between_sums_whole_months_only():
    pay(invoice("10.00"), utc(2026, 1, 15, 12))
    pay(invoice("20.00"), utc(2026, 2, 15, 12))
    total = selectors.revenue_between(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 1))
    assert total == Decimal("30.00")
    with pytest.raises(ValueError):
        selectors.revenue_between(start=datetime.date(2026, 1, 15), end=datetime.date(2026, 3, 1))


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("admin:index")).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    # The revenue figures read the monthly rows; no query sums the paid invoices.
    assert sum("billing_revenuemonth" in statement for statement in sql) == 2, sql
    assert not any("paid_at" in statement for statement in sql), sql
    return len(sql)


def test_the_dashboards_query_count_does_not_grow_with_the_invoices(admin_client, super_admin):
    client = admin_client(super_admin)
    today = datetime.date.today()
    now = datetime.datetime.now(UTC)
    pay(invoice("10.00"), now)
    _dashboard_queries(client)  # warm: session, permissions, caches
    few = _dashboard_queries(client)
    for days in range(0, 300, 20):
        pay(invoice("5.00"), now - datetime.timedelta(days=days))
        pay(invoice("7.00", "EUR"), now - datetime.timedelta(days=days))
    assert _dashboard_queries(client) == few
    chart = selectors.revenue_per_month(today=today)
    assert sum(value for _, value in chart) == sum(
        total for (currency, month), (total, _) in revenue_recompute().items()
        if currency == "USD" and month >= chart[0][0])
