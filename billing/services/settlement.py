"""Settling an invoice: it becomes PAID and its subscription and company are brought up to date.

Invoices sit below subscriptions (a subscription issues its period invoices); paying an invoice
reaches back up to the subscription, so that step lives here, above both.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceDocumentPurpose, InvoiceStatus
from billing.services.documents import invoice_document_schedule
from billing.services.invoices import invoice_lock, invoice_refuse_if_payment_pending, invoice_refuse_transition
from billing.services.revenue import revenue_record
from billing.services.subscriptions import subscription_apply_paid_invoice
from tenancy.audit import AuditVerb, audit_record, change_reason
from tenancy.models import Tenant, User


def invoice_settle_locked(*, invoice: Invoice, actor: User | None, on: datetime.date) -> Invoice:
    """Mark a locked, issued invoice PAID and apply it to its subscription and tenant (caller holds locks)."""
    invoice_refuse_transition(invoice, InvoiceStatus.PAID)
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    change_reason(invoice, "paid", actor=actor)
    invoice.save(update_fields=["status", "paid_at", "updated_at"])
    invoice_document_schedule(invoice=invoice, purpose=InvoiceDocumentPurpose.PAID)
    if invoice.subscription_id:
        subscription_apply_paid_invoice(invoice=invoice, actor=actor, on=on)
    revenue_record(invoice)  # the month's revenue row: the last lock taken
    return invoice


@transaction.atomic
def invoice_mark_paid(*, tenant: Tenant, actor: User | None, invoice: Invoice,
                      on: datetime.date | None = None) -> Invoice:
    """Record that staff received the money another way; the subscription is activated as on verification."""
    invoice = invoice_lock(invoice, tenant)
    invoice_refuse_transition(invoice, InvoiceStatus.PAID)
    invoice_refuse_if_payment_pending(invoice)
    invoice = invoice_settle_locked(invoice=invoice, actor=actor, on=on or timezone.localdate())
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVOICE_PAID, obj=invoice,
                 changes={"status": [InvoiceStatus.ISSUED, InvoiceStatus.PAID]})
    return invoice

