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
    # Human headers; the invoice number rides on every payment row even when not picked.
    assert headers == ["ID", "Company", "Invoice number", "Amount", "Method", "Reference"]
    assert sorted(int(row[0]) for row in rows) == sorted(p.pk for p in listed) == sorted(p.pk for p in cards)
    by_id = {p.pk: p for p in cards}
    for row in rows:
        payment = by_id[int(row[0])]
        assert row[1:5] == [payment.tenant.name, payment.invoice.number or "", f"{payment.amount:.2f}", "Card"]


def test_tenant_csv_honours_the_status_filter(admin_client, support):
    TenantFactory(status=TenantStatus.PENDING, slug="waiting")
    TenantFactory(status=TenantStatus.ACTIVE, slug="working")
    headers, rows = _export(admin_client(support), reverse("admin:tenancy_tenant_export"), "status__exact=PENDING",
                            ["slug", "status"], "tenantresource")
    assert headers == ["Subdomain", "Status"] and rows == [["waiting", "Pending approval"]]


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
    assert rows == [[open_invoice.number, open_invoice.tenant.name, f"{open_invoice.total:.2f}"]]
    _, rows = _export(client, reverse("admin:billing_subscription_export"), "",
                            ["tenant", "plan", "status"], "subscriptionresource")
    assert rows == [[open_invoice.tenant.name, open_invoice.subscription.plan.name, "Active"]]


def test_chunks_bound_the_rows_in_memory(django_assert_num_queries):
    payments = _payments(7)
    with django_assert_num_queries(3):  # 3 + 3 + 1 rows: one query per chunk, no query for the last check
        seen = [p.pk for p in iter_in_chunks(Payment.objects.all(), size=3)]
    assert seen == sorted((p.pk for p in payments), reverse=True)


def test_export_streams_a_large_table_in_chunks(admin_client, finance, monkeypatch):
    """The CSV is read while it is sent, a fixed number of queries per chunk and none per row (here 5 rows a chunk).

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
    chunks = [sql for sql in reads if "LIMIT 5" in sql]
    # Each chunk reads the payment table alone (no join to drive the plan), then its companies and invoices by id.
    assert len(chunks) == 5 and all('FROM "billing_payment"' in sql and "JOIN" not in sql for sql in chunks)
    assert len(reads) == 5 * 3
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
    assert rows[0] == ["ID", "Company", "Invoice number", "Method"]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(p.pk for p in cards)
    assert {r[3] for r in rows[1:]} == {"Card"}


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
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ID", "Company", "Invoice number", "Amount") and len(rows) == 10
    assert isinstance(rows[1][3], int | float) and sheet.cell(row=2, column=4).number_format == "#,##0.00"


def test_exports_defuse_spreadsheet_formulas(admin_client, support):
    TenantFactory(name="=HYPERLINK(\"http://evil.example\")", slug="evil")
    _, rows = _export(admin_client(support), reverse("admin:tenancy_tenant_export"), "", ["name"], "tenantresource")
    assert rows == [["'=HYPERLINK(\"http://evil.example\")"]]


def test_dates_are_dates_and_codes_are_labels(admin_client, finance):
    import datetime

    import openpyxl

    payment = _payments(1, method=PaymentMethod.BANK_TRANSFER)[0]
    Payment.objects.filter(pk=payment.pk).update(paid_on=datetime.date(2026, 3, 9))
    client = admin_client(finance)
    fields = ["paid_on", "method", "verification_status", "amount"]
    headers, rows = _export(client, reverse("admin:billing_payment_export"), "verification=all", fields,
                            "paymentresource")
    assert headers == ["Company", "Invoice number", "Amount", "Method", "Paid on", "Verification status"]
    assert rows[0][2:] == [f"{payment.amount:.2f}", "Bank transfer", "2026-03-09", "Pending"]
    data = {"format": "1", "resource": "0", **{f"paymentresource_{name}": "on" for name in fields}}
    response = client.post(reverse("admin:billing_payment_export") + "?verification=all", data)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    paid_on = sheet.cell(row=2, column=5)
    assert paid_on.is_date and paid_on.value.date() == datetime.date(2026, 3, 9)
    assert paid_on.number_format == "yyyy-mm-dd"


def test_the_file_name_carries_the_filter(admin_client, finance):
    _payments(1, method=PaymentMethod.CARD)
    data = {"format": "0", "resource": "0", "paymentresource_id": "on"}
    response = admin_client(finance).post(
        reverse("admin:billing_payment_export") + "?verification=all&method__exact=CARD", data)
    disposition = response["Content-Disposition"]
    assert f'filename="payments_verification-all_method-card_{timezone.localdate().isoformat()}.csv"' in disposition


def test_the_export_form_says_how_many_rows_and_which_filter(admin_client, finance):
    _payments(3, method=PaymentMethod.CARD)
    _payments(2, method=PaymentMethod.CASH)
    path = reverse("admin:billing_payment_export") + "?verification=all&method__exact=CARD"
    response = admin_client(finance).get(path)
    assert response.status_code == 200
    text = [str(m) for m in response.context["messages"]]
    assert text == ["This export will contain 3 payments matching Verification: all; Method: Card."]
