"""Invoices: drafts, issue with a gapless yearly number, void, mark paid."""

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.conf import billing_settings
from billing.models import (
    ZERO,
    Invoice,
    InvoiceDocumentPurpose,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceSeries,
    InvoiceStatus,
    Plan,
    Subscription,
    VerificationStatus,
)
from billing.services.documents import invoice_document_schedule
from billing.services.revenue import revenue_record
from tenancy.audit import AuditVerb, audit_record, bulk_create_with_reason, change_reason, created, diff, snapshot
from tenancy.exceptions import Conflict, InvalidTransition, NotFound, ServiceError
from tenancy.models import NotificationType, Tenant, TenantSettings, User
from tenancy.services.notifications import notify
from tenancy.services.tenants import tenant_admins

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_MONEY = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("99999999.99")
# Issuer settings frozen on each invoice at issue time, besides name, address, tax id and e-mail.
ISSUER_DETAIL_KEYS = ("payment_bank_name", "payment_account", "payment_bic", "payment_text", "zero_tax_note",
                      "footer", "logo")


def money(value) -> Decimal:
    """Round a monetary value half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_totals(*, amounts: Iterable[Decimal], tax_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Return (subtotal, tax, total) from already rounded line amounts and a percent tax rate."""
    subtotal = sum(amounts, ZERO)
    tax = money(subtotal * tax_rate / HUNDRED)
    return subtotal, tax, subtotal + tax


def _decimal(value, *, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError("Not a number.", code="invalid_number", fields={field: ["Not a number."]})
    if not result.is_finite():
        raise ServiceError("Not a number.", code="invalid_number", fields={field: ["Not a number."]})
    return result


def invoice_lock(invoice: Invoice, tenant: Tenant) -> Invoice:
    try:
        return Invoice.objects.select_for_update().get(pk=invoice.pk, tenant=tenant)
    except Invoice.DoesNotExist:
        raise NotFound()


def invoice_refuse_transition(invoice: Invoice, to: str) -> None:
    if not invoice.can_transition_to(to):
        raise InvalidTransition.refuse(noun="invoice", current=invoice.get_status_display(),
                                       target=InvoiceStatus(to).label, status=invoice.status)


# What an invoice's audit rows show
INVOICE_AUDITED_FIELDS = ("status", "number", "kind", "currency", "total", "due_on", "issued_on")


@transaction.atomic
def invoice_create(*, tenant: Tenant, actor: User | None, **fields) -> Invoice:
    """Create a DRAFT invoice with its lines (see `_invoice_build`)."""
    invoice = _invoice_build(tenant=tenant, actor=actor, **fields)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVOICE_CREATED, obj=invoice,
                 changes=created(invoice, ["status", "kind", "currency", "total"]))
    return invoice


def _invoice_build(
    *,
    tenant: Tenant,
    actor: User | None,
    lines: list[dict],
    currency: str | None = None,
    tax_rate: Decimal | None = None,
    subscription: Subscription | None = None,
    plan: Plan | None = None,
    kind: str = InvoiceKind.MANUAL,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    due_on: datetime.date | None = None,
    notes: str = "",
    billing_period: str = "",
) -> Invoice:
    """Create a DRAFT invoice with its lines; each line is rounded half-up, then summed."""
    if subscription is not None and subscription.tenant_id != tenant.id:
        raise ServiceError("The subscription belongs to another company.", code="invalid",
                           fields={"subscription": ["Not found."]})
    currency = (currency or (plan.currency if plan else settings.DEFAULT_CURRENCY)).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ServiceError("Use a three-letter currency code.", code="currency_invalid",
                           fields={"currency": ["Use a three-letter currency code."]})
    tax_rate = _decimal(settings.DEFAULT_TAX_RATE if tax_rate is None else tax_rate, field="tax_rate")
    if not ZERO <= tax_rate <= HUNDRED:
        raise ServiceError("The tax rate is a percentage between 0 and 100.", code="tax_rate_invalid",
                           fields={"tax_rate": ["Between 0 and 100."]})
    if not lines:
        raise ServiceError("An invoice needs at least one line.", code="lines_required",
                           fields={"lines": ["Add at least one line."]})
    built = []
    for position, line in enumerate(lines):
        # Quantity and price are kept to the cent, and the amount is computed from the kept values, so
        # that every printed line reads quantity x unit price = amount (rounded half-up).
        quantity = money(_decimal(line.get("quantity", 1), field="quantity"))
        unit_price = money(_decimal(line.get("unit_price"), field="unit_price"))
        description = str(line.get("description", "")).strip()
        if not description:
            raise ServiceError("Each line needs a description.", code="line_invalid",
                               fields={"lines": [f"Line {position + 1}: add a description."]})
        if quantity <= 0 or unit_price < 0 or quantity > MAX_QUANTITY or unit_price > MAX_MONEY:
            raise ServiceError("Quantities must be positive and prices not negative.", code="line_invalid",
                               fields={"lines": [f"Line {position + 1}: invalid quantity or price."]})
        built.append(InvoiceLine(tenant=tenant, position=position, description=description[:300],
                                 quantity=quantity, unit_price=unit_price, amount=money(quantity * unit_price)))
    subtotal, tax, total = invoice_totals(amounts=[line.amount for line in built], tax_rate=tax_rate)
    if total <= ZERO or total > MAX_MONEY:
        raise ServiceError("The invoice total must be positive.", code="amount_invalid",
                           fields={"lines": ["The total must be greater than zero."]})
    invoice = Invoice(
        tenant=tenant, subscription=subscription, plan=plan, kind=kind, currency=currency,
        subtotal=subtotal, tax_rate=tax_rate, tax=tax, total=total, period_start=period_start,
        period_end=period_end, due_on=due_on, notes=notes, created_by=actor, billing_period=billing_period,
    )
    change_reason(invoice, "draft created", actor=actor)
    invoice.save(force_insert=True)
    for line in built:
        line.invoice = invoice
    bulk_create_with_reason(InvoiceLine, built, "draft created", actor=actor)
    return invoice


def _next_invoice_number(year: int, series: str = InvoiceSeries.INVOICE) -> str:
    """Take the next number of the series' `year` from its counter row, locked until the transaction ends."""
    sequence = InvoiceSequence.objects.select_for_update().filter(series=series, year=year).first()
    if sequence is None:
        _create_sequence_row(year, series)
        sequence = InvoiceSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{series}-{year}-{sequence.last_number:06d}"


def _create_sequence_row(year: int, series: str) -> None:
    """Create the year's counter row, safely when several transactions try at once."""
    if connection.vendor == "mysql":
        # A plain INSERT that hits the other transaction's new row takes a shared lock and two such
        # waiters deadlock when they then ask for the row lock; this upsert takes the exclusive
        # lock at once, so concurrent first invoices of a year simply queue.
        table = connection.ops.quote_name(InvoiceSequence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (series, year, last_number) VALUES (%s, %s, 0) "  # noqa: S608
                           "ON DUPLICATE KEY UPDATE last_number = last_number", [series, year])
        return
    try:
        with transaction.atomic():
            InvoiceSequence.objects.create(series=series, year=year, last_number=0)
    except IntegrityError:  # another transaction created this year's row first
        pass


def _without_leading_name(address: str, name: str) -> str:
    """Drop the address's first line when it repeats the name (the bill-to name is printed once)."""
    lines = (address or "").strip().splitlines()
    if lines and lines[0].strip().casefold() == name.strip().casefold():
        lines = lines[1:]
    return "\n".join(lines).strip()


# What _snapshot_parties writes (frozen on the invoice when it is issued)
PARTY_FIELDS = ("bill_to_name", "bill_to_address", "bill_to_tax_id", "bill_to_email", "issuer_name",
                "issuer_address", "issuer_tax_id", "issuer_email", "issuer_details")


def _snapshot_parties(invoice: Invoice, tenant: Tenant) -> None:
    details = TenantSettings.objects.filter(tenant=tenant).first()
    invoice.bill_to_name = (details.legal_name if details and details.legal_name else tenant.name)[:200]
    invoice.bill_to_address = _without_leading_name(details.billing_address if details else "", invoice.bill_to_name)
    invoice.bill_to_tax_id = details.tax_id if details else ""
    invoice.bill_to_email = (details.billing_email if details and details.billing_email else tenant.contact_email)
    issuer = billing_settings().issuer
    invoice.issuer_name = issuer.get("name", "")
    invoice.issuer_address = issuer.get("address", "")
    invoice.issuer_tax_id = issuer.get("tax_id", "")
    invoice.issuer_email = issuer.get("email", "")
    invoice.issuer_details = {key: issuer.get(key) or "" for key in ISSUER_DETAIL_KEYS}


@transaction.atomic
def invoice_issue(
    *, tenant: Tenant, actor: User | None, invoice: Invoice, issued_on: datetime.date | None = None
) -> Invoice:
    """Issue a draft: give it the next number of the year, freeze the parties and tell the admins."""
    invoice = invoice_lock(invoice, tenant)
    invoice_refuse_transition(invoice, InvoiceStatus.ISSUED)
    before = snapshot(invoice, INVOICE_AUDITED_FIELDS)
    issued_on = issued_on or timezone.localdate()
    invoice.number = _next_invoice_number(issued_on.year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_on = issued_on
    if invoice.due_on is None or invoice.due_on < issued_on:
        invoice.due_on = issued_on + datetime.timedelta(days=settings.INVOICE_DUE_DAYS)
    _snapshot_parties(invoice, tenant)
    change_reason(invoice, "issued", actor=actor)
    invoice.save(update_fields=["number", "status", "issued_on", "due_on", *PARTY_FIELDS, "updated_at"])
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVOICE_ISSUED, obj=invoice,
                 changes=diff(before, snapshot(invoice, INVOICE_AUDITED_FIELDS)))
    invoice_document_schedule(invoice=invoice, purpose=InvoiceDocumentPurpose.ISSUED)
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.INVOICE_ISSUED,
           title=f"Invoice {invoice.number} issued",
           body=f"Invoice {invoice.number} for {invoice.total} {invoice.currency} is due on {invoice.due_on}.",
           data={"invoice_id": invoice.pk, "number": invoice.number})
    return invoice


@transaction.atomic
def invoice_create_and_issue(*, tenant: Tenant, actor: User | None, issued_on: datetime.date | None = None,
                             **fields) -> Invoice:
    """Create an invoice and issue it at once (staff invoices, renewals): one audit row, "issued"."""
    invoice = _invoice_build(tenant=tenant, actor=actor, **fields)
    return invoice_issue(tenant=tenant, actor=actor, invoice=invoice, issued_on=issued_on)


def invoice_refuse_if_payment_pending(invoice: Invoice) -> None:
    if invoice.payments.filter(verification_status=VerificationStatus.PENDING).exists():
        raise Conflict("A payment for this invoice is waiting for verification.", code="payment_pending")


@transaction.atomic
def invoice_void(*, tenant: Tenant, actor: User | None, invoice: Invoice, reason: str) -> Invoice:
    """Void a draft, issued or paid invoice; its number stays used (corrections are new invoices).

    A paid invoice is not erased: a credit note (CN-YYYY-NNNNNN, the same lines negated) is issued
    against it, and the money is owed back to the customer.
    """
    if not (reason or "").strip():
        raise ServiceError("Give a reason.", code="reason_required", fields={"reason": ["This field is required."]})
    invoice = invoice_lock(invoice, tenant)
    if invoice.is_credit_note:
        raise InvalidTransition("A credit note cannot be voided; issue an invoice instead.",
                                fields={"status": [invoice.status]})
    invoice_refuse_transition(invoice, InvoiceStatus.VOID)
    invoice_refuse_if_payment_pending(invoice)
    before = invoice.status
    was_paid = invoice.status == InvoiceStatus.PAID
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.void_reason = reason.strip()
    change_reason(invoice, f"voided: {invoice.void_reason}", actor=actor)
    invoice.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVOICE_VOIDED, obj=invoice,
                 changes={"status": [before, invoice.status],
                          "void_reason": ["", invoice.void_reason]})
    if invoice.number:  # an issued document: archive it as voided (a draft never was one)
        invoice_document_schedule(invoice=invoice, purpose=InvoiceDocumentPurpose.VOID)
    if was_paid:
        _issue_credit_note(tenant=tenant, actor=actor, invoice=invoice, reason=invoice.void_reason)
    return invoice


def _issue_credit_note(*, tenant: Tenant, actor: User | None, invoice: Invoice, reason: str) -> Invoice:
    """Issue the credit note reversing a locked, just voided paid invoice (settled at once: it is owed back)."""
    today = timezone.localdate()
    credit = Invoice(
        tenant=tenant, kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice, status=InvoiceStatus.PAID,
        number=_next_invoice_number(today.year, InvoiceSeries.CREDIT_NOTE), issued_on=today, due_on=today,
        period_start=invoice.period_start, period_end=invoice.period_end, currency=invoice.currency,
        subtotal=-invoice.subtotal, tax_rate=invoice.tax_rate, tax=-invoice.tax, total=-invoice.total,
        notes=f"Credit note for invoice {invoice.number}: {reason}", paid_at=timezone.now(), created_by=actor,
    )
    _snapshot_parties(credit, tenant)
    # The corrected invoice's parties are the ones being corrected, not today's.
    for field in ("bill_to_name", "bill_to_address", "bill_to_tax_id", "bill_to_email"):
        setattr(credit, field, getattr(invoice, field))
    reason = f"credit note for invoice {invoice.number}"
    change_reason(credit, reason, actor=actor)
    credit.save(force_insert=True)
    revenue_record(credit)  # issued paid: it takes the money out of this month's revenue
    invoice_document_schedule(invoice=credit, purpose=InvoiceDocumentPurpose.ISSUED)
    bulk_create_with_reason(InvoiceLine, [
        InvoiceLine(tenant=tenant, invoice=credit, position=line.position, description=line.description,
                    quantity=line.quantity, unit_price=-line.unit_price, amount=-line.amount)
        for line in invoice.lines.all()
    ], reason, actor=actor)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.CREDIT_NOTE_ISSUED, obj=credit,
                 changes={"credited_invoice": [None, invoice.number], "total": [None, credit.total]})
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.INVOICE_ISSUED,
           title=f"Credit note {credit.number} issued",
           body=f"Invoice {invoice.number} was cancelled; credit note {credit.number} credits "
                f"{invoice.total} {invoice.currency}.",
           data={"invoice_id": credit.pk, "number": credit.number})
    return credit
