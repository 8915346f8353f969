"""Invoices as customer documents: what an unpaid, a paid invoice and a credit note print (pypdf text)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from billing import pdf
from billing.models import Invoice, InvoiceKind, InvoiceSequence, InvoiceStatus
from billing.services import invoices as invoice_services
from billing.services import settlement
from billing.services.payments import payment_verify
from billing.services.subscriptions import subscription_create
from billing.tests.factories import PlanFactory, pdf_upload
from platform_admin.models import SystemSetting
from tenancy.exceptions import InvalidTransition
from tenancy.models import ActivityLog, TenantSettings

pytestmark = pytest.mark.django_db
EN_DASH = "\N{EN DASH}"


class Printed(str):
    """The PDF's text, compared case-insensitively (labels are printed in capitals by CSS)."""

    def __contains__(self, item: str) -> bool:
        return item.casefold() in self.casefold()

    def count(self, item: str, *args) -> int:
        return self.casefold().count(item.casefold())


def text_of(data: bytes) -> Printed:
    """The PDF's text with runs of whitespace collapsed (pypdf breaks lines where the layout does)."""
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return Printed(re.sub(r"\s+", " ", raw))


@pytest.fixture
def issuer(db):
    return SystemSetting.objects.create(
        issuer_name="Platform GmbH", payment_bank_name="Berliner Testbank",
        payment_account="DE02 1001 0010 0006 8201 01", payment_bic="PBNKDEFF",
        payment_text="Transfers from outside the EU: add the IBAN country fees.",
        invoice_footer="Platform GmbH, Amtsgericht Berlin HRB 1234", zero_tax_note="Reverse charge: VAT to be "
        "accounted for by the recipient.")


@pytest.fixture
def first_invoice(tenant, tenant_admin, issuer):
    TenantSettings.objects.update_or_create(tenant=tenant, defaults={
        "legal_name": "Alpha Ltd", "billing_address": "Alpha Ltd\n5 Main Street\nLondon"})
    plan = PlanFactory(code="pro", name="Pro", price=Decimal("49.00"))
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.UTC)):
        subscription = subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
    return subscription.invoices.get()


def test_an_unpaid_invoice_says_how_to_pay(first_invoice):
    text = text_of(pdf.invoice_render_pdf(invoice=first_invoice))
    number = first_invoice.number
    assert f"Invoice {number}" in text
    assert f"Period 27 Nov 2026 {EN_DASH} 26 Dec 2026" in text  # one convention: the last day inclusive
    assert f"Pro plan (monthly), 27 Nov 2026 {EN_DASH} 26 Dec 2026" in text
    assert "exclusive" not in text and "2026-12-27" not in text
    assert "Due date 11 Dec 2026" in text
    assert f"quote {number} as the payment reference" in text
    for printed in ("Bank Berliner Testbank", "IBAN / account DE02 1001 0010 0006 8201 01", "BIC / SWIFT PBNKDEFF",
                    "Account holder Platform GmbH", f"Reference {number}", "add the IBAN country fees"):
        assert printed in text, printed
    assert "Balance due 49.00 USD" in text
    assert "Reverse charge: VAT to be accounted for by the recipient." in text  # tax rate 0
    assert "Amtsgericht Berlin HRB 1234" in text  # footer
    assert text.count("Alpha Ltd") == 1  # bill-to printed once although the address repeated it
    assert "5 Main Street" in text
    assert "Payment received" not in text and "PAID" not in text.split()


def test_a_paid_invoice_says_when_and_how_it_was_paid(first_invoice, tenant, tenant_admin, super_admin):
    from billing.services.payments import payment_submit

    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC)):
        payment = payment_submit(tenant=tenant, actor=tenant_admin, invoice=first_invoice, amount=Decimal("49.00"),
                                 currency="USD", method="BANK_TRANSFER", paid_on=datetime.date(2026, 11, 29),
                                 proof=pdf_upload(), reference="SEPA-7781")
        payment_verify(tenant=tenant, actor=super_admin, payment=payment)
    first_invoice.refresh_from_db()
    text = text_of(pdf.invoice_render_pdf(invoice=first_invoice))
    assert "PAID" in text and "Payment received" in text
    for printed in ("Paid on 29 Nov 2026", "Amount 49.00 USD", "Method Bank transfer", "Reference SEPA-7781",
                    "Balance due 0.00 USD"):
        assert printed in text, printed
    assert "How to pay" not in text and "Berliner Testbank" not in text


def test_a_taxed_invoice_prints_no_zero_tax_note(tenant, issuer):
    invoice = invoice_services.invoice_create_and_issue(
        tenant=tenant, actor=None, tax_rate=Decimal("19"), lines=[{"description": "Setup", "unit_price": "100"}])
    text = text_of(pdf.invoice_render_pdf(invoice=invoice))
    assert "Tax (19.00%) 19.00 USD" in text and "Total 119.00 USD" in text
    assert "Reverse charge" not in text


@time_machine.travel(datetime.datetime(2026, 11, 28, 9, tzinfo=datetime.UTC))
def test_voiding_a_paid_invoice_issues_a_credit_note_in_its_own_series(first_invoice, tenant, super_admin):
    other = invoice_services.invoice_create_and_issue(tenant=tenant, actor=None,
                                                      lines=[{"description": "Setup", "unit_price": "10"}])
    invoice_services.invoice_void(tenant=tenant, actor=super_admin, invoice=other, reason="Typo")
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()  # unpaid: voided, nothing to credit

    settlement.invoice_mark_paid(tenant=tenant, actor=super_admin, invoice=first_invoice)
    invoice_services.invoice_void(tenant=tenant, actor=super_admin, invoice=first_invoice, reason="Refunded")
    first_invoice.refresh_from_db()
    assert first_invoice.status == InvoiceStatus.VOID and first_invoice.paid_at is not None
    credit = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    year = credit.issued_on.year
    assert credit.number == f"CN-{year}-000001"
    assert (credit.credited_invoice, credit.status) == (first_invoice, InvoiceStatus.PAID)
    assert (credit.subtotal, credit.tax, credit.total) == (Decimal("-49.00"), Decimal("0.00"), Decimal("-49.00"))
    assert list(credit.lines.values_list("unit_price", "amount")) == [(Decimal("-49.00"), Decimal("-49.00"))]
    assert dict(InvoiceSequence.objects.values_list("series", "last_number").filter(year=year)) == {"CN": 1, "INV": 2}
    assert ActivityLog.objects.filter(verb="invoice.credit_note_issued", tenant=tenant, actor=super_admin).count() == 1

    text = text_of(pdf.invoice_render_pdf(invoice=credit))
    assert f"Credit note CN-{year}-000001" in text
    assert f"Corrects invoice {first_invoice.number}" in text
    assert "Total -49.00 USD" in text and "How to pay" not in text
    voided = text_of(pdf.invoice_render_pdf(invoice=first_invoice))
    assert "VOID" in voided and f"credit note CN-{year}-000001" in voided

    with pytest.raises(InvalidTransition):
        invoice_services.invoice_void(tenant=tenant, actor=super_admin, invoice=credit, reason="No")
    invoice_services.invoice_create_and_issue(tenant=tenant, actor=None, lines=[{"description": "x", "unit_price": 1}])
    assert Invoice.objects.filter(number=f"INV-{year}-000003").exists()  # invoices keep their own gapless series


def test_render_to_png_for_a_look(first_invoice, tmp_path, settings):
    """Render the unpaid invoice to PNG (pdftoppm) so that a person can look at it: test-artifacts/."""
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "invoice.pdf"
    source.write_bytes(pdf.invoice_render_pdf(invoice=first_invoice))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(tmp_path / "invoice")],
                   check=True, timeout=60)
    image = (tmp_path / "invoice.png").read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 5000
    artifacts = settings.BASE_DIR / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "invoice-unpaid.png").write_bytes(image)


def _page_images(data: bytes, tmp_path, name: str) -> list[bytes]:
    import subprocess

    source = tmp_path / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "72", str(source), str(tmp_path / name)], check=True, timeout=120)
    return [path.read_bytes() for path in sorted(tmp_path.glob(f"{name}-*.png"))]


def test_the_invoice_user_agent_sheet_renders_what_weasyprints_whole_sheet_renders(first_invoice, tenant, tmp_path):
    """templates/billing/invoice_ua.css keeps only the rules the invoice can use: every page is pixel-identical."""
    import shutil

    from django.template.loader import render_to_string
    from weasyprint import HTML

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    long = invoice_services.invoice_create_and_issue(
        tenant=tenant, actor=None, notes="Thank you.\nSee you next year.",
        lines=[{"description": f"Seat {i} " + "with a long description " * (i % 3), "unit_price": "12.50"}
               for i in range(40)])
    for invoice, status in ((first_invoice, None), (first_invoice, "PAID"), (first_invoice, "VOID"), (long, None)):
        html = render_to_string("billing/invoice.html", pdf.invoice_context(invoice, status))
        whole_sheet = HTML(string=html, url_fetcher=pdf._refuse_fetch).write_pdf()
        ours = pdf.invoice_render_pdf(invoice=invoice, status=status)
        expected = _page_images(whole_sheet, tmp_path, f"whole-{invoice.pk}-{status}")
        assert len(expected) >= (2 if invoice is long else 1)
        assert _page_images(ours, tmp_path, f"ours-{invoice.pk}-{status}") == expected, (invoice.number, status)
