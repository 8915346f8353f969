"""Celery tasks of the billing cycle: ids in, one service call each."""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from billing.models import Invoice
from billing.services.cycle import billing_cycle_run_for_tenant, billing_cycle_tenant_ids
from billing.services.documents import invoice_document_archive
from ops.outbox import outbox_enqueue
from tenancy.models import Tenant


@shared_task
def run_billing_cycle(on: str | None = None) -> int:
    """Fan the daily billing cycle out: one outbox job per tenant with billing work; return how many.

    The jobs are outbox rows (billing queue), so a broker outage or a killed worker delays a
    tenant's cycle but never drops it; the cycle itself is idempotent per tenant and day.
    """
    day = on or timezone.localdate().isoformat()
    tenant_ids = billing_cycle_tenant_ids()
    with transaction.atomic():
        for tenant_id in tenant_ids:
            outbox_enqueue(run_billing_cycle_for_tenant, {"tenant_id": tenant_id, "on": day},
                           queue=settings.QUEUE_BILLING, tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run_billing_cycle_for_tenant(*, tenant_id: int, on: str) -> dict:
    """Run the billing cycle of one tenant on date `on` (ISO format)."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return {}
    return dict(billing_cycle_run_for_tenant(tenant=tenant, on=datetime.date.fromisoformat(on)))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def archive_invoice_pdf(*, invoice_id: int, purpose: str) -> str:
    """Render and store one archived copy of an invoice's PDF; return its SHA-256."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        return ""
    return invoice_document_archive(invoice=invoice, purpose=purpose).sha256
