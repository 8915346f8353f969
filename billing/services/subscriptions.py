"""Subscriptions: create (trial once per tenant), cancel, extend, change plan, apply a paid invoice."""

import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.models import (
    CURRENT_SUBSCRIPTION_STATUSES,
    BillingPeriod,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.periods import period_label
from billing.services.invoices import invoice_create_and_issue, invoice_void
from tenancy.audit import AuditVerb, audit_record, change_reason, created, diff, snapshot
from tenancy.exceptions import Conflict, Forbidden, InvalidTransition, NotFound, ServiceError
from tenancy.models import Tenant, TenantStatus, User
from tenancy.permissions import is_super_admin
from tenancy.services.common import model_update
from tenancy.services.tenants import tenant_reactivate

S = SubscriptionStatus
# What a subscription's audit rows show
SUBSCRIPTION_AUDITED_FIELDS = ("status", "plan", "next_plan", "current_period_start", "current_period_end",
                               "trial_ends_on", "cancel_at_period_end", "auto_renew", "ended_on", "expired_on",
                               "past_due_since", "price", "currency", "period", "reprice_at_renewal")


def subscription_audit(*, subscription: Subscription, actor: User | None, verb: AuditVerb, before: dict,
                       reason: str = "") -> None:
    """Write the audit row of a change to a locked subscription (call before its save for the history reason)."""
    if reason:
        change_reason(subscription, reason, actor=actor)
    audit_record(tenant=subscription.tenant, actor=actor, verb=verb, obj=subscription,
                 changes=diff(before, snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)))


def subscription_update(*, subscription: Subscription, actor: User | None, verb: AuditVerb, changes: dict,
                        reason: str) -> None:
    """Change fields of a locked subscription through `model_update` and write the change's audit row.

    A new `status` in `changes` is checked against the state table first (refused: nothing is changed);
    `model_update` assigns it with the other fields and saves what changed, with `reason` on the history row.
    """
    if "status" in changes:
        subscription_refuse_transition(subscription, changes["status"])
    before = snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)
    model_update(subscription, changes, allowed=changes.keys(), actor=actor, reason=reason)
    audit_record(tenant=subscription.tenant, actor=actor, verb=verb, obj=subscription,
                 changes=diff(before, snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)))


def subscription_renewal_changes(subscription: Subscription, *, plan: Plan, start: datetime.date,
                                 end: datetime.date, terms: tuple[Decimal, str, str] | None) -> dict:
    """The changes of a renewal (a paid invoice, or the cycle renewing a free plan) to period `start`-`end`.

    The subscription becomes ACTIVE on `plan` (a pending change to that plan is done); `terms`, when given,
    are the (price, currency, period) it is billed at from now on, instead of any repricing at renewal.
    """
    changes = {"status": S.ACTIVE, "plan": plan, "current_period_start": start, "current_period_end": end}
    if subscription.next_plan_id == plan.pk:
        changes["next_plan"] = None
    if terms is not None:
        price, currency, period = terms
        changes.update(price=price, currency=currency, period=period, reprice_at_renewal=False)
    return changes


def add_period(start: datetime.date, period: str) -> datetime.date:
    """Return the day one billing period after `start` (the 31st becomes the month's last day)."""
    months = 12 if period == BillingPeriod.YEARLY else 1
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def lock_subscription(subscription: Subscription, *, tenant: Tenant) -> Subscription:
    """Lock the subscription's row; one of another tenant is a 404."""
    try:
        return Subscription.objects.select_for_update().get(pk=subscription.pk, tenant_id=tenant.pk)
    except Subscription.DoesNotExist:
        raise NotFound()


def lock_open_invoices(subscription: Subscription, *, tenant: Tenant) -> None:
    """Lock the subscription's draft and issued invoices, to be taken before the subscription itself.

    The lock order is payment -> invoice -> subscription -> tenant; a service that voids or replaces
    invoices of a subscription it is changing must therefore lock them first, or it could deadlock
    with a payment being submitted or verified for one of them.
    """
    list(Invoice.objects.select_for_update()
         .filter(tenant_id=tenant.pk, subscription_id=subscription.pk,
                 status__in=(InvoiceStatus.DRAFT, InvoiceStatus.ISSUED))
         .order_by("pk").values_list("pk", flat=True))


def subscription_refuse_transition(subscription: Subscription, to: str) -> None:
    """Refuse a status change the state table does not allow; assigns nothing (see `subscription_update`)."""
    if not subscription.can_transition_to(to):
        raise InvalidTransition.refuse(noun="subscription", current=subscription.get_status_display(),
                                       target=S(to).label, status=subscription.status)


def subscription_set_status(subscription: Subscription, to: str) -> None:
    """Change the status of a locked subscription if the state table allows it (the caller saves)."""
    subscription_refuse_transition(subscription, to)
    subscription.status = to


def subscription_terms_for(subscription: Subscription, plan: Plan) -> tuple[Decimal, str, str]:
    """Return (price, currency, period) to bill `plan` at on this subscription's next invoice.

    The subscription keeps the terms it was sold at; the plan's current ones apply to another plan
    (a plan change) or where staff chose to reprice at renewal.
    """
    if plan.pk != subscription.plan_id or subscription.reprice_at_renewal:
        return plan.price, plan.currency, plan.period
    return subscription.price, subscription.currency, subscription.period


def _period_line(plan: Plan, price: Decimal, period: str, start: datetime.date, end: datetime.date) -> dict:
    return {"description": f"{plan.name} plan ({BillingPeriod(period).label.lower()}), {period_label(start, end)}",
            "quantity": 1, "unit_price": price}


def subscription_issue_period_invoice(
    *, subscription: Subscription, actor: User | None, plan: Plan, start: datetime.date, on: datetime.date,
    kind: str, due_on: datetime.date | None = None,
) -> Invoice:
    """Issue the invoice of the period starting at `start` for `plan` (the caller holds the subscription lock).

    Without `due_on` a renewal is due when its period starts, a first invoice INVOICE_DUE_DAYS after issue.
    """
    price, currency, period = subscription_terms_for(subscription, plan)
    end = add_period(start, period)
    if due_on is None and kind == InvoiceKind.RENEWAL:
        due_on = max(start, on)
    return invoice_create_and_issue(
        tenant=subscription.tenant, actor=actor, issued_on=on, subscription=subscription, plan=plan, kind=kind,
        currency=currency, lines=[_period_line(plan, price, period, start, end)], period_start=start,
        period_end=end, due_on=due_on, billing_period=period,
    )


def _tenant_had_trial(tenant: Tenant) -> bool:
    return Subscription.objects.filter(tenant=tenant, trial_ends_on__isnull=False).exists()


@transaction.atomic
def subscription_create(*, tenant: Tenant, actor: User | None, plan: Plan,
                        on: datetime.date | None = None) -> Subscription:
    """Subscribe the tenant to a plan: a trial once per tenant, a free plan at once, else a first invoice."""
    on = on or timezone.localdate()
    # Open invoices of an earlier subscription may be voided below: lock them before the tenant (lock order).
    list(Invoice.objects.select_for_update()
         .filter(tenant_id=tenant.pk, status=InvoiceStatus.ISSUED, subscription__isnull=False)
         .order_by("pk").values_list("pk", flat=True))
    # The tenant row lock serialises subscription creation: at most one current subscription.
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict("Your company has not been approved yet.", code="tenant_not_approved")
    if not plan.is_active or (not plan.is_public and not is_super_admin(actor)):
        raise ServiceError("This plan is not available.", code="plan_unavailable",
                           fields={"plan": ["This plan is not available."]})
    if Subscription.objects.filter(tenant=tenant, status__in=CURRENT_SUBSCRIPTION_STATUSES).exists():
        raise Conflict("The company already has a current subscription; change its plan instead.",
                       code="subscription_exists")
    # Open invoices of an earlier (expired) subscription are replaced by the new one's.
    for stale in Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.ISSUED, subscription__isnull=False):
        if not stale.payments.filter(verification_status=VerificationStatus.PENDING).exists():
            invoice_void(tenant=tenant, actor=actor, invoice=stale, reason="Replaced by a new subscription.")
    subscription = Subscription(tenant=tenant, plan=plan, started_on=on, created_by=actor, price=plan.price,
                                currency=plan.currency, period=plan.period)
    change_reason(subscription, f"subscribed to {plan.name}", actor=actor)
    if plan.trial_days and not _tenant_had_trial(tenant):
        subscription.status = S.TRIAL
        subscription.trial_ends_on = on + datetime.timedelta(days=plan.trial_days)
        subscription.current_period_start, subscription.current_period_end = on, subscription.trial_ends_on
        subscription.save()
    elif plan.is_free:
        subscription.status = S.ACTIVE
        subscription.current_period_start, subscription.current_period_end = on, add_period(on, subscription.period)
        subscription.save()
        if tenant.status == TenantStatus.SUSPENDED and tenant.is_suspended_for_nonpayment:
            tenant_reactivate(tenant=tenant, actor=actor)
    else:
        subscription.status = S.PENDING_PAYMENT
        subscription.save()
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.SUBSCRIPTION_CREATED, obj=subscription,
                 changes=created(subscription, SUBSCRIPTION_AUDITED_FIELDS[:6]))
    if subscription.status == S.PENDING_PAYMENT:
        subscription_issue_period_invoice(subscription=subscription, actor=actor, plan=plan, start=on, on=on,
                                          kind=InvoiceKind.FIRST)
    return subscription


def _void_unpaid_invoices(subscription: Subscription, actor: User | None, reason: str) -> None:
    for invoice in Invoice.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription,
                                          status__in=(InvoiceStatus.DRAFT, InvoiceStatus.ISSUED)):
        invoice_void(tenant=subscription.tenant, actor=actor, invoice=invoice, reason=reason)


def _refuse_if_payment_pending(subscription: Subscription) -> None:
    if subscription.payments.filter(verification_status=VerificationStatus.PENDING).exists():
        raise Conflict("A payment is waiting for verification; wait for it first.", code="payment_pending")


@transaction.atomic
def subscription_cancel(*, tenant: Tenant, actor: User | None, subscription: Subscription,
                        immediately: bool = False, on: datetime.date | None = None) -> Subscription:
    """Cancel at period end, honouring paid time; staff may end it at once.

    Without paid time left (no period yet, or the period already ended) it ends at once.
    """
    on = on or timezone.localdate()
    if immediately and actor is not None and not is_super_admin(actor):
        raise Forbidden("Only platform staff may end a subscription immediately.")
    lock_open_invoices(subscription, tenant=tenant)
    subscription = lock_subscription(subscription, tenant=tenant)
    if not subscription.can_transition_to(S.CANCELLED):
        subscription_set_status(subscription, S.CANCELLED)  # raises the state table's refusal
    if subscription.cancel_at_period_end and not immediately:
        raise Conflict("The subscription is already cancelled at the end of its period.", code="already_cancelled")
    _refuse_if_payment_pending(subscription)
    before = snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)
    has_paid_time = subscription.current_period_end is not None and subscription.current_period_end > on
    subscription.cancelled_at, subscription.cancelled_by = timezone.now(), actor
    subscription.auto_renew = False
    if immediately or not has_paid_time or subscription.status in (S.PENDING_PAYMENT, S.PAST_DUE):
        subscription_set_status(subscription, S.CANCELLED)
        subscription.ended_on = on
    else:
        subscription.cancel_at_period_end = True
    subscription_audit(subscription=subscription, actor=actor, verb=AuditVerb.SUBSCRIPTION_CANCELLED,
                       before=before, reason="cancelled")
    subscription.save(update_fields=["cancelled_at", "cancelled_by", "auto_renew", "status", "ended_on",
                                     "cancel_at_period_end", "updated_at"])
    _void_unpaid_invoices(subscription, actor, "Subscription cancelled.")
    return subscription


@transaction.atomic
def subscription_extend(*, tenant: Tenant, actor: User | None, subscription: Subscription,
                        days: int) -> Subscription:
    """Give a trial or active subscription extra days (staff goodwill)."""
    if not isinstance(days, int) or not 0 < days <= 366:
        raise ServiceError("Extend by 1 to 366 days.", code="days_invalid", fields={"days": ["1 to 366."]})
    subscription = lock_subscription(subscription, tenant=tenant)
    if subscription.status not in (S.TRIAL, S.ACTIVE):
        raise InvalidTransition("Only trial and active subscriptions can be extended.",
                                fields={"status": [subscription.status]})
    if Invoice.objects.filter(subscription=subscription, status=InvoiceStatus.ISSUED,
                              period_start=subscription.current_period_end).exists():
        raise Conflict("The next period's invoice is already issued; void it first.", code="invoice_issued")
    before = snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)
    subscription.current_period_end += datetime.timedelta(days=days)
    if subscription.status == S.TRIAL:
        subscription.trial_ends_on = subscription.current_period_end
    subscription_audit(subscription=subscription, actor=actor, verb=AuditVerb.SUBSCRIPTION_EXTENDED,
                       before=before, reason=f"extended by {days} days")
    subscription.save(update_fields=["current_period_end", "trial_ends_on", "updated_at"])
    return subscription


@transaction.atomic
def subscription_change_plan(*, tenant: Tenant, actor: User | None, subscription: Subscription,
                             plan: Plan, on: datetime.date | None = None) -> Subscription:
    """Switch to another plan from the next period (no proration); an issued renewal is re-issued."""
    on = on or timezone.localdate()
    if not plan.is_active or (not plan.is_public and not is_super_admin(actor)):
        raise ServiceError("This plan is not available.", code="plan_unavailable",
                           fields={"plan": ["This plan is not available."]})
    lock_open_invoices(subscription, tenant=tenant)
    subscription = lock_subscription(subscription, tenant=tenant)
    if subscription.status not in (S.TRIAL, S.ACTIVE) or subscription.cancel_at_period_end:
        raise InvalidTransition("Only a running subscription can change its plan; subscribe again instead.",
                                fields={"status": [subscription.status]})
    _refuse_if_payment_pending(subscription)
    before = snapshot(subscription, SUBSCRIPTION_AUDITED_FIELDS)
    subscription.next_plan = None if plan.pk == subscription.plan_id else plan
    if subscription.next_plan_id != before["next_plan"]:
        subscription_audit(subscription=subscription, actor=actor, verb=AuditVerb.SUBSCRIPTION_PLAN_CHANGED,
                           before=before, reason="plan changed")
    subscription.save(update_fields=["next_plan", "updated_at"])
    if subscription.next_plan is None:
        return subscription
    renewal = Invoice.objects.filter(subscription=subscription, status=InvoiceStatus.ISSUED,
                                     period_start=subscription.current_period_end).first()
    if renewal is not None:
        invoice_void(tenant=tenant, actor=actor, invoice=renewal, reason="Plan changed.")
        if not plan.is_free:
            kind = InvoiceKind.FIRST if subscription.status == S.TRIAL else InvoiceKind.RENEWAL
            subscription_issue_period_invoice(subscription=subscription, actor=actor, plan=plan,
                                              start=subscription.current_period_end, on=on, kind=kind,
                                              due_on=max(subscription.current_period_end, on))
    return subscription


@transaction.atomic
def subscription_set_reprice_at_renewal(*, tenant: Tenant, actor: User | None, subscription: Subscription,
                                        reprice: bool, on: datetime.date | None = None) -> Subscription:
    """Staff choose whether the next renewal bills the plan's current price (an issued renewal is re-issued)."""
    on = on or timezone.localdate()
    lock_open_invoices(subscription, tenant=tenant)
    subscription = lock_subscription(subscription, tenant=tenant)
    if subscription.status not in (S.TRIAL, S.ACTIVE, S.PAST_DUE):
        raise InvalidTransition("Only a running subscription renews.", fields={"status": [subscription.status]})
    _refuse_if_payment_pending(subscription)
    before = subscription.reprice_at_renewal
    subscription.reprice_at_renewal = bool(reprice)
    change_reason(subscription, "renewal at the plan's current price" if reprice else "renewal at the sold price",
                  actor=actor)
    subscription.save(update_fields=["reprice_at_renewal", "updated_at"])
    if before != subscription.reprice_at_renewal:
        renewal = Invoice.objects.filter(tenant_id=tenant.pk, subscription=subscription,
                                         status=InvoiceStatus.ISSUED, period_start=subscription.current_period_end,
                                         ).first()
        if renewal is not None:
            plan = subscription.next_plan or subscription.plan
            invoice_void(tenant=tenant, actor=actor, invoice=renewal, reason="Re-issued at the new price.")
            subscription_issue_period_invoice(subscription=subscription, actor=actor, plan=plan,
                                              start=renewal.period_start, on=on, kind=renewal.kind,
                                              due_on=renewal.due_on)
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.SUBSCRIPTION_REPRICED, obj=subscription,
                     changes={"reprice_at_renewal": [before, subscription.reprice_at_renewal]})
    return subscription


def subscription_mark_pending_verification(*, subscription: Subscription, actor: User | None) -> str:
    """Hold a locked subscription while a payment proof is checked; return the status to restore."""
    previous = subscription.status
    subscription_set_status(subscription, S.PENDING_VERIFICATION)
    change_reason(subscription, "payment submitted, awaiting verification", actor=actor)
    subscription.save(update_fields=["status", "updated_at"])
    return previous


def subscription_restore_after_rejection(*, subscription: Subscription, actor: User | None, status: str) -> None:
    """Return a locked subscription to the status it had before the rejected payment."""
    if subscription.status != S.PENDING_VERIFICATION:
        return  # it moved on meanwhile (e.g. staff cancelled it); nothing to restore
    subscription_set_status(subscription, status)
    change_reason(subscription, "payment rejected, status restored", actor=actor)
    subscription.save(update_fields=["status", "updated_at"])


def subscription_apply_paid_invoice(*, invoice: Invoice, actor: User | None, on: datetime.date) -> Subscription:
    """Activate the invoice's subscription for the paid period and lift a non-payment suspension.

    The new period is the invoice's; if that period is already over (paid very late), it starts today.
    """
    subscription = lock_subscription(invoice.subscription, tenant=invoice.tenant)
    if subscription.status == S.CANCELLED:
        return subscription  # paid after cancellation: the money is recorded, nothing to activate
    plan = invoice.plan or subscription.plan
    # The paid invoice's terms are the subscription's from now on (what it was sold at).
    terms = (invoice.subtotal, invoice.currency, invoice.billing_period) if invoice.billing_period else None
    start, end = invoice.period_start, invoice.period_end
    if start is None or end is None or end <= on:
        start, end = on, add_period(on, invoice.billing_period or subscription.period)
    changes = subscription_renewal_changes(subscription, plan=plan, start=start, end=end, terms=terms)
    changes.update(past_due_since=None, expired_on=None)
    subscription_update(subscription=subscription, actor=actor, verb=AuditVerb.SUBSCRIPTION_RENEWED,
                        changes=changes, reason=f"invoice {invoice.number} paid")
    tenant = Tenant.objects.select_for_update().get(pk=subscription.tenant_id)
    if tenant.status == TenantStatus.SUSPENDED and tenant.is_suspended_for_nonpayment:
        tenant_reactivate(tenant=tenant, actor=actor)
    return subscription
