"""Payments: a tenant submits a proof for an open invoice; staff verify or reject it, exactly once."""

import datetime
import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.models import (
    ZERO,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services.settlement import invoice_settle_locked
from billing.services.subscriptions import (
    lock_subscription,
    subscription_mark_pending_verification,
    subscription_restore_after_rejection,
)
from tenancy.audit import AuditVerb, audit_record, change_reason, created, diff, snapshot
from tenancy.exceptions import Conflict, NotFound, ServiceError
from tenancy.files import IMAGE_AND_PDF, random_name, safe_filename, validate_upload
from tenancy.models import NotificationType, Tenant, User
from tenancy.services.notifications import notify
from tenancy.services.tenants import tenant_admins

PROOF_MAX_BYTES = 10 * 1024 * 1024
PAYMENT_AUDITED_FIELDS = ("status", "verification_status", "rejection_reason")
# A transfer may precede its invoice (prepayment), but not by more than this.
EARLIEST_PAYMENT_BEFORE_ISSUE = datetime.timedelta(days=366)


def _invalid(field: str, code: str, message: str) -> ServiceError:
    return ServiceError(message, code=code, fields={field: [message]})


@transaction.atomic
def payment_submit(
    *,
    tenant: Tenant,
    actor: User | None,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    method: str,
    paid_on: datetime.date,
    proof,
    reference: str = "",
) -> Payment:
    """Record a payment proof for an open invoice of the tenant and hold the subscription for verification."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= ZERO:
        raise _invalid("amount", "amount_not_positive", "The amount must be greater than zero.")
    if method not in PaymentMethod.values:
        raise _invalid("method", "invalid_choice", "Not a valid payment method.")
    if paid_on > timezone.localdate():
        raise _invalid("paid_on", "date_in_future", "The payment date cannot be in the future.")
    content_type = validate_upload(proof, allowed_types=IMAGE_AND_PDF, max_bytes=PROOF_MAX_BYTES, field="proof")
    try:
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk, tenant=tenant)
    except Invoice.DoesNotExist:
        raise _invalid("invoice", "does_not_exist", "Invoice not found.")
    if invoice.status != InvoiceStatus.ISSUED:
        raise Conflict(f"This invoice is {invoice.get_status_display().lower()}; it cannot be paid.",
                       code="invoice_not_open", fields={"invoice": [invoice.status]})
    if paid_on < invoice.issued_on - EARLIEST_PAYMENT_BEFORE_ISSUE:
        raise _invalid("paid_on", "date_too_early",
                       f"The payment date cannot be more than a year before the invoice ({invoice.issued_on}).")
    if invoice.payments.filter(verification_status=VerificationStatus.PENDING).exists():
        raise Conflict("A payment for this invoice is already waiting for verification.", code="payment_pending")
    if (currency or "").upper() != invoice.currency:
        raise _invalid("currency", "currency_mismatch", f"The invoice is in {invoice.currency}.")
    if amount != invoice.total:
        raise _invalid("amount", "amount_mismatch", f"The invoice total is {invoice.total} {invoice.currency}.")
    previous = ""
    subscription = None
    if invoice.subscription_id:
        subscription = lock_subscription(invoice.subscription, tenant=tenant)
        if subscription.status == SubscriptionStatus.CANCELLED:
            raise Conflict("The subscription of this invoice is cancelled.", code="subscription_cancelled")
        previous = subscription_mark_pending_verification(subscription=subscription, actor=actor)
    original_name = safe_filename(getattr(proof, "name", "") or "", content_type)
    proof_sha256 = _sha256(proof)
    payment = Payment(
        tenant=tenant, invoice=invoice, subscription=subscription, amount=amount, currency=invoice.currency,
        method=method, reference=(reference or "").strip()[:100], paid_on=paid_on,
        proof_content_type=content_type, proof_original_name=original_name,
        previous_subscription_status=previous, submitted_by=actor, proof_sha256=proof_sha256,
        proof_duplicate_of=Payment.objects.filter(proof_sha256=proof_sha256).order_by("created_at", "id").first(),
    )
    # Every check is done: store the proof last, and remove it again if the row cannot be written,
    # so that a refused or failed submission leaves no file behind.
    payment.proof.save(random_name(f"payment-proofs/{tenant.pk}", original_name, content_type), proof, save=False)
    change_reason(payment, "proof submitted", actor=actor)
    try:
        payment.save()
        changes = created(payment, ["invoice", "amount", "currency", "method", "reference", "paid_on", "status"])
        if subscription is not None:
            changes["subscription.status"] = [previous, subscription.status]
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.PAYMENT_SUBMITTED, obj=payment, changes=changes)
    except BaseException:
        payment.proof.delete(save=False)
        raise
    return payment


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _lock_pending(payment: Payment, tenant: Tenant) -> Payment:
    try:
        payment = Payment.objects.select_for_update().get(pk=payment.pk, tenant=tenant)
    except Payment.DoesNotExist:
        raise NotFound()
    # The check under the row lock is what makes a second (or concurrent) call a no-op refusal.
    if payment.verification_status != VerificationStatus.PENDING:
        raise Conflict(f"This payment has already been {payment.get_verification_status_display().lower()}.",
                       code="payment_already_processed", fields={"verification_status": [payment.verification_status]})
    return payment


@transaction.atomic
def payment_verify(*, tenant: Tenant, actor: User | None, payment: Payment,
                   on: datetime.date | None = None) -> Payment:
    """Verify the payment: invoice PAID, subscription ACTIVE for the paid period, tenant reactivated."""
    on = on or timezone.localdate()
    payment = _lock_pending(payment, tenant)
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    before = snapshot(payment, PAYMENT_AUDITED_FIELDS)
    payment.status = PaymentStatus.COMPLETED
    payment.verification_status = VerificationStatus.VERIFIED
    payment.verified_by, payment.verified_at = actor, timezone.now()
    change_reason(payment, "payment verified", actor=actor)
    payment.save(update_fields=["status", "verification_status", "verified_by", "verified_at", "updated_at"])
    invoice_status = invoice.status
    invoice_settle_locked(invoice=invoice, actor=actor, on=on)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.PAYMENT_VERIFIED, obj=payment,
                 changes={**diff(before, snapshot(payment, PAYMENT_AUDITED_FIELDS)),
                          "invoice.status": [invoice_status, invoice.status]})
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.PAYMENT_VERIFIED,
           title=f"Payment for invoice {invoice.number} verified",
           body=f"Your payment of {payment.amount} {payment.currency} has been verified. Thank you.",
           data={"payment_id": payment.pk, "invoice_id": invoice.pk})
    return payment


@transaction.atomic
def payment_reject(*, tenant: Tenant, actor: User | None, payment: Payment, reason: str) -> Payment:
    """Reject the payment with a reason and return the subscription to its previous status."""
    if not (reason or "").strip():
        raise _invalid("reason", "reason_required", "Give a reason.")
    payment = _lock_pending(payment, tenant)
    Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    before = snapshot(payment, PAYMENT_AUDITED_FIELDS)
    payment.status = PaymentStatus.FAILED
    payment.verification_status = VerificationStatus.REJECTED
    payment.verified_by, payment.verified_at = actor, timezone.now()
    payment.rejection_reason = reason.strip()
    change_reason(payment, f"payment rejected: {payment.rejection_reason}", actor=actor)
    payment.save(update_fields=["status", "verification_status", "verified_by", "verified_at",
                                "rejection_reason", "updated_at"])
    changes = diff(before, snapshot(payment, PAYMENT_AUDITED_FIELDS))
    if payment.subscription_id and payment.previous_subscription_status:
        subscription = lock_subscription(payment.subscription, tenant=tenant)
        held = subscription.status
        subscription_restore_after_rejection(subscription=subscription, actor=actor,
                                             status=payment.previous_subscription_status)
        if subscription.status != held:
            changes["subscription.status"] = [held, subscription.status]
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.PAYMENT_REJECTED, obj=payment, changes=changes)
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.PAYMENT_REJECTED,
           title="Payment rejected", body=f"Your payment of {payment.amount} {payment.currency} was rejected: "
                                          f"{payment.rejection_reason}",
           data={"payment_id": payment.pk, "invoice_id": payment.invoice_id})
    return payment
