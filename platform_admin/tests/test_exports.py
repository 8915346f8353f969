"""Exports follow the list's filters and the chosen fields; billing exports are Finance's alone."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment, PaymentMethod, VerificationStatus
from billing.tests.factories import InvoiceFactory, SubscriptionFactory
from platform_admin.exports import iter_in_chunks
from platform_admin.resources import EXPORT_CHUNK
from tenancy.models import TenantStatus
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _payments(count: int, *, method=PaymentMethod.BANK_TRANSFER, status=VerificationStatus.PENDING):
    """Payment rows written directly (export tests need volume, not the submit workflow)."""
    subscription = SubscriptionFactory()
    rows = []
    for n in range(count):
        invoice = InvoiceFactory(subscription=subscription, with_line=False)
        rows.append(Payment(tenant=subscription.tenant, invoice=invoice, subscription=subscription,
                            amount=invoice.total, currency="USD", method=method, reference=f"REF-{method}-{n}",
                            paid_on=timezone.localdate(), proof=SimpleUploadedFile("p.pdf", b"%PDF-1.4"),
                            proof_content_type="application/pdf", verification_status=status))
    return Payment.objects.bulk_create(rows)


def _export(client, path: str, query: str, fields: list[str], resource: str) -> tuple[list[str], list[list[str]]]:
    data = {"format": "0", "resource": "0", **{f"{resource}_{name}": "on" for name in fields}}
    response = client.post(f"{path}?{query}", data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    return rows[0], rows[1:]


def test_payment_csv_matches_the_filtered_list(admin_client, finance):
    cards = _payments(3, method=PaymentMethod.CARD)
    _payments(2, method=PaymentMethod.CASH)
    client = admin_client(finance)
    query = "verification=all&method__exact=CARD"
    listed = client.get(reverse("admin:billing_payment_changelist") + "?" + query).context["cl"].result_list
    headers, rows = _export(client, reverse("admin:billing_payment_export"), query,
                            ["id", "tenant", "amount", "method", "reference"], "paymentresource")
    assert headers == ["id", "tenant", "amount", "method", "reference"]
    assert sorted(int(row[0]) for row in rows) == sorted(p.pk for p in listed) == sorted(p.pk for p in cards)
    assert all(row[3] == "CARD" and row[1] == cards[0].tenant.name for row in rows)


def test_tenant_csv_honours_the_status_filter(admin_client, support):
    TenantFactory(status=TenantStatus.PENDING, slug="waiting")
    TenantFactory(status=TenantStatus.ACTIVE, slug="working")
    headers, rows = _export(admin_client(support), reverse("admin:tenancy_tenant_export"), "status__exact=PENDING",
                            ["slug", "status"], "tenantresource")
    assert headers == ["slug", "status"] and rows == [["waiting", "PENDING"]]


@pytest.mark.parametrize("model", ["payment", "invoice", "subscription", "plan"])
def test_support_cannot_export_billing(admin_client, support, model):
    client = admin_client(support)
    path = reverse(f"admin:billing_{model}_export")
    assert client.get(path).status_code == 403
    assert client.post(path, {"format": "0", "resource": "0"}).status_code == 403


def test_finance_exports_invoices_and_subscriptions(admin_client, finance, open_invoice):
    client = admin_client(finance)
    _, rows = _export(client, reverse("admin:billing_invoice_export"), "",
                            ["number", "tenant", "total"], "invoiceresource")
    assert rows == [[open_invoice.number, open_invoice.tenant.name, str(open_invoice.total)]]
    _, rows = _export(client, reverse("admin:billing_subscription_export"), "",
                            ["tenant", "plan", "status"], "subscriptionresource")
    assert rows == [[open_invoice.tenant.name, open_invoice.subscription.plan.code, "ACTIVE"]]


def test_chunks_bound_the_rows_in_memory(django_assert_num_queries):
    payments = _payments(7)
    with django_assert_num_queries(3):  # 3 + 3 + 1 rows: one query per chunk, no query for the last check
        seen = [p.pk for p in iter_in_chunks(Payment.objects.all(), size=3)]
    assert seen == sorted((p.pk for p in payments), reverse=True)


def test_export_streams_a_large_table_in_chunks(admin_client, finance, monkeypatch):
    """The CSV is read while it is sent, one LIMITed query per chunk and none per row (here 5 rows a chunk).

    100k payments therefore hold one chunk (EXPORT_CHUNK rows) in memory at a time.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import platform_admin.exports as exports

    monkeypatch.setattr(exports.iter_in_chunks, "__defaults__", (5,))
    _payments(23)
    client = admin_client(finance)
    response = client.post(reverse("admin:billing_payment_export") + "?verification=all",
                           {"format": "0", "resource": "0", "paymentresource_id": "on",
                            "paymentresource_tenant": "on", "paymentresource_invoice": "on"})
    assert response.streaming
    with CaptureQueriesContext(connection) as context:
        chunks = list(response.streaming_content)
    assert len(chunks) == 24  # the header, then one line per row as it is read
    reads = [q["sql"].replace("`", '"') for q in context.captured_queries]
    assert len(reads) == 5 and all('FROM "billing_payment"' in sql and "LIMIT 5" in sql for sql in reads)
    assert EXPORT_CHUNK == 2000 and exports.iter_in_chunks.__defaults__ == (5,)


def test_payment_xlsx_has_the_filtered_rows(admin_client, finance):
    import openpyxl

    cards = _payments(2, method=PaymentMethod.CARD)
    _payments(1, method=PaymentMethod.CASH)
    client = admin_client(finance)
    data = {"format": "1", "resource": "0", **{f"paymentresource_{name}": "on" for name in ["id", "method"]}}
    response = client.post(reverse("admin:billing_payment_export") + "?verification=all&method__exact=CARD", data)
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["id", "method"]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(p.pk for p in cards)
    assert {r[1] for r in rows[1:]} == {"CARD"}


def test_xlsx_reads_in_chunks_and_keeps_numbers_typed(admin_client, finance, monkeypatch):
    import openpyxl
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import platform_admin.exports as exports

    monkeypatch.setattr(exports.iter_in_chunks, "__defaults__", (4,))
    _payments(9)
    data = {"format": "1", "resource": "0", **{f"paymentresource_{name}": "on" for name in ["id", "amount", "tenant"]}}
    with CaptureQueriesContext(connection) as context:
        response = admin_client(finance).post(reverse("admin:billing_payment_export") + "?verification=all", data)
    reads = [q["sql"].replace("`", '"') for q in context.captured_queries if "LIMIT 4" in q["sql"]]
    assert len(reads) == 3 and all('FROM "billing_payment"' in sql for sql in reads)  # 4 + 4 + 1 rows
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
                .iter_rows(values_only=True))
    assert rows[0] == ("id", "tenant", "amount") and len(rows) == 10 and isinstance(rows[1][2], int | float)


def test_exports_defuse_spreadsheet_formulas(admin_client, support):
    TenantFactory(name="=HYPERLINK(\"http://evil.example\")", slug="evil")
    _, rows = _export(admin_client(support), reverse("admin:tenancy_tenant_export"), "", ["name"], "tenantresource")
    assert rows == [["'=HYPERLINK(\"http://evil.example\")"]]
