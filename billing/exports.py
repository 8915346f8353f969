"""Billing's section of a company data export: issued invoices, with their PDFs."""

from billing.models import Invoice, InvoiceStatus
from billing.pdf import invoice_pdf_filename
from billing.services.documents import invoice_pdf_bytes
from tenancy.exports import ExportArchive


def export_billing(*, tenant, archive: ExportArchive) -> None:
    rows = []
    invoices = (Invoice.objects.filter(tenant=tenant).exclude(status=InvoiceStatus.DRAFT)
                .prefetch_related("lines").order_by("id"))
    for invoice in invoices:
        path = f"invoices/{invoice_pdf_filename(invoice)}"
        archive.add_file(path, invoice_pdf_bytes(invoice=invoice))  # the archived copy, byte for byte
        rows.append({"number": invoice.number, "kind": invoice.kind, "status": invoice.status,
                     "issued_on": invoice.issued_on, "due_on": invoice.due_on, "currency": invoice.currency,
                     "subtotal": invoice.subtotal, "tax": invoice.tax, "total": invoice.total, "pdf": path})
    archive.add_table("invoices", rows, ["number", "kind", "status", "issued_on", "due_on", "currency", "subtotal",
                                         "tax", "total", "pdf"])
