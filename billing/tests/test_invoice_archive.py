"""The invoice archive: rendered once at issue (and when paid or voided), stored with its SHA-256, never rewritten."""

import hashlib
from decimal import Decimal

import pytest

from billing.models import InvoiceDocument, InvoiceDocumentPurpose, InvoiceStatus
from billing.services import invoices as invoice_services
from billing.services import settlement
from billing.services.documents import invoice_pdf_bytes
from billing.tests.factories import manual_invoice
from billing.tests.test_invoice_pdf import text_of
from platform_admin.models import SystemSetting
from tenancy.models import TenantSettings

pytestmark = pytest.mark.django_db
BASE = "/api/subscriptions"
P = InvoiceDocumentPurpose


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return response.content


def test_issue_archives_once_and_later_changes_do_not_reach_old_invoices(
        api, tenant, tenant_admin, super_admin, client, settings, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(super_admin)  # the control panel
    SystemSetting.objects.create(issuer_name="Old Issuer GmbH", payment_bank_name="Old Bank")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = manual_invoice(tenant, amount="120.00")
    document = InvoiceDocument.objects.get(invoice=invoice)
    stored = document.file.read()
    assert document.purpose == P.ISSUED and document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.size == len(stored) and document.file.name.startswith(f"invoices/{tenant.pk}/")
    assert "Old Issuer GmbH" in text_of(stored) and "Old Bank" in text_of(stored)

    # Everything that could change the rendering changes: the template, the issuer, the company's details.
    templates = tmp_path / "templates" / "billing"
    templates.mkdir(parents=True)
    (templates / "invoice.html").write_text("<html><body><h1>NEW TEMPLATE {{ invoice.number }}</h1></body></html>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    SystemSetting.objects.update(issuer_name="New Issuer AG", payment_bank_name="New Bank")
    TenantSettings.objects.update_or_create(tenant=tenant, defaults={"legal_name": "Renamed Ltd"})

    served = _download(api(tenant_admin), f"{BASE}/invoices/{invoice.pk}/pdf/")
    assert served == stored  # byte for byte
    assert _download(api(super_admin), f"{BASE}/staff/invoices/{invoice.pk}/pdf/") == stored
    assert _download(client, f"/admin/billing/invoice/{invoice.pk}/pdf/") == stored
    body = api(tenant_admin).get(f"{BASE}/invoices/{invoice.pk}/").json()
    assert body["pdf_sha256"] == hashlib.sha256(served).hexdigest() == document.sha256
    assert body["documents"] == [{"purpose": "ISSUED", "sha256": document.sha256, "size": len(stored),
                                  "created_at": body["documents"][0]["created_at"]}]
    page = client.get(f"/admin/billing/invoice/{invoice.pk}/change/").content.decode()
    assert document.sha256 in page

    # A new invoice is rendered with today's template and settings.
    with django_capture_on_commit_callbacks(execute=True):
        newer = manual_invoice(tenant, amount="10.00")
    assert "NEW TEMPLATE" in text_of(InvoiceDocument.objects.get(invoice=newer).file.read())

    # Paying adds the PAID copy (rendered now, once); the ISSUED copy stays as it was.
    with django_capture_on_commit_callbacks(execute=True):
        settlement.invoice_mark_paid(tenant=tenant, actor=super_admin, invoice=invoice)
    paid = InvoiceDocument.objects.get(invoice=invoice, purpose=P.PAID)
    assert _download(api(tenant_admin), f"{BASE}/invoices/{invoice.pk}/pdf/") == paid.file.read()
    assert InvoiceDocument.objects.get(invoice=invoice, purpose=P.ISSUED).file.read() == stored
    assert api(tenant_admin).get(f"{BASE}/invoices/{invoice.pk}/").json()["pdf_sha256"] == paid.sha256


def test_a_missing_copy_is_archived_at_the_first_download_and_only_once(tenant, tenant_admin, api):
    invoice = manual_invoice(tenant)  # the after-commit task did not run (as when the broker was down)
    assert not InvoiceDocument.objects.exists()
    first = _download(api(tenant_admin), f"{BASE}/invoices/{invoice.pk}/pdf/")
    second = _download(api(tenant_admin), f"{BASE}/invoices/{invoice.pk}/pdf/")
    assert first == second and InvoiceDocument.objects.count() == 1


def test_the_issued_copy_shows_the_invoice_as_issued_even_if_archived_late(tenant, super_admin):
    invoice = manual_invoice(tenant)
    settlement.invoice_mark_paid(tenant=tenant, actor=super_admin, invoice=invoice)
    invoice.refresh_from_db()
    from billing.services.documents import invoice_document_archive

    issued = text_of(invoice_document_archive(invoice=invoice, purpose=P.ISSUED).file.read())
    assert "How to pay" in issued and "Payment received" not in issued
    assert "Payment received" in text_of(invoice_pdf_bytes(invoice=invoice))


def test_a_credit_note_and_the_voided_invoice_are_archived(tenant, super_admin, django_capture_on_commit_callbacks):
    invoice = manual_invoice(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        settlement.invoice_mark_paid(tenant=tenant, actor=super_admin, invoice=invoice)
        invoice_services.invoice_void(tenant=tenant, actor=super_admin, invoice=invoice, reason="Refund")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert set(invoice.documents.values_list("purpose", flat=True)) == {P.PAID, P.VOID}
    credit = invoice.credit_notes.get()
    assert credit.total == Decimal("-120.00")
    assert list(credit.documents.values_list("purpose", flat=True)) == [P.ISSUED]
