"""The invoice archive: each PDF is rendered once, stored with its SHA-256 and served byte-for-byte after.

An invoice gets its ISSUED copy when it is issued, its PAID copy when it is paid and its VOID copy
when it is voided or credited (a credit note gets its own ISSUED copy). Rendering takes about a
second, so it runs after the commit in a Celery task (`billing.tasks.archive_invoice_pdf`, queued through
the outbox and named by string: the tasks module sits above the services), outside the row locks of
the issuing transaction; a download that finds no copy yet (the task has not run,
or failed) makes it then, from the same frozen data. A copy is never rendered again: later changes
of the template, the issuer's settings or the company's details do not reach it.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from billing import pdf
from billing.models import Invoice, InvoiceDocument, InvoiceDocumentPurpose, InvoiceStatus
from ops.outbox import outbox_enqueue

ARCHIVE_TASK = "billing.tasks.archive_invoice_pdf"
P = InvoiceDocumentPurpose


def invoice_document_purpose(invoice: Invoice) -> str | None:
    """The copy that shows the invoice as it is now (None for a draft: drafts are not documents)."""
    if invoice.status == InvoiceStatus.DRAFT:
        return None
    if invoice.is_credit_note:
        return P.ISSUED
    return {InvoiceStatus.ISSUED: P.ISSUED, InvoiceStatus.PAID: P.PAID, InvoiceStatus.VOID: P.VOID}[invoice.status]


def invoice_document_schedule(*, invoice: Invoice, purpose: str) -> None:
    """Archive the copy in a job queued through the outbox of the current transaction."""
    outbox_enqueue(ARCHIVE_TASK, {"invoice_id": invoice.pk, "purpose": purpose}, tenant_id=invoice.tenant_id)


def invoice_document_archive(*, invoice: Invoice, purpose: str) -> InvoiceDocument:
    """Render and store the copy for `purpose` unless it exists; return the stored one."""
    existing = InvoiceDocument.objects.filter(tenant_id=invoice.tenant_id, invoice=invoice, purpose=purpose).first()
    if existing is not None:
        return existing
    data = pdf.invoice_render_pdf(invoice=invoice, status=InvoiceStatus.ISSUED if purpose == P.ISSUED else None)
    document = InvoiceDocument(tenant_id=invoice.tenant_id, invoice=invoice, purpose=purpose,
                               sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    name = f"{invoice.tenant_id}/{pdf.invoice_pdf_filename(invoice)[:-4]}-{purpose.lower()}.pdf"  # under invoices/
    document.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # archived by a concurrent task or download meanwhile: keep the first copy
        document.file.delete(save=False)
        return InvoiceDocument.objects.get(tenant_id=invoice.tenant_id, invoice=invoice, purpose=purpose)
    return document


def invoice_document_current(*, invoice: Invoice) -> InvoiceDocument | None:
    """The archived copy of the invoice as it is now, archiving it first if needed (None for drafts)."""
    purpose = invoice_document_purpose(invoice)
    return None if purpose is None else invoice_document_archive(invoice=invoice, purpose=purpose)


def invoice_pdf_bytes(*, invoice: Invoice) -> bytes:
    """The bytes to send: the archived copy exactly as stored; a draft rendered on the fly."""
    document = invoice_document_current(invoice=invoice)
    if document is None:
        return pdf.invoice_render_pdf(invoice=invoice)
    with document.file.open("rb") as handle:
        return handle.read()
