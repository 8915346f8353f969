"""The daily billing cycle (DESIGN section 5), per tenant and idempotent.

1. issue the renewal invoice of auto-renewing subscriptions whose period ends within
   RENEWAL_LEAD_DAYS (a trial's first invoice likewise, kind FIRST), once per period;
2. subscriptions whose period ended unpaid -> PAST_DUE (since the period's end);
3. PAST_DUE for GRACE_DAYS -> EXPIRED, and PENDING_PAYMENT whose first invoice is unpaid on its
   due date + GRACE_DAYS -> EXPIRED. A subscription that was never paid leaves the company on the
   Free plan's limits (SUSPENDED for non-payment where there is no Free plan); one that lapsed
   after a payment suspends the company for non-payment (DESIGN section 5);
4. subscriptions cancelled at period end (or not auto-renewing) -> CANCELLED at the period's end;
5. reminders, each sent once: invoice due soon, invoice overdue, trial ending
   (subscription expired is sent by step 3).

Every step checks the state it changes, so running the cycle twice on a date changes nothing the
second time. Each subscription is handled in its own transaction under its row lock.
"""

import datetime
from collections import Counter

from django.db import transaction

from billing.conf import billing_settings
from billing.models import ZERO, Invoice, InvoiceKind, InvoiceStatus, Subscription, SubscriptionStatus
from billing.services.limits import free_plan
from billing.services.subscriptions import (
    add_period,
    lock_subscription,
    subscription_issue_period_invoice,
    subscription_renewal_changes,
    subscription_terms_for,
    subscription_update,
)
from tenancy.audit import AuditVerb
from tenancy.models import NotificationType, Tenant, TenantStatus
from tenancy.services.common import model_update
from tenancy.services.notifications import notify
from tenancy.services.tenants import tenant_admins, tenant_suspend

S = SubscriptionStatus
REMINDER_DAYS = 3
CYCLED_STATUSES = (S.TRIAL, S.PENDING_PAYMENT, S.ACTIVE, S.PAST_DUE)


def billing_cycle_tenant_ids() -> list[int]:
    """Return the tenants the cycle has work for: running subscriptions or open invoices."""
    with_subscriptions = Subscription.objects.filter(status__in=(S.TRIAL, S.ACTIVE, S.PAST_DUE)).values("tenant_id")
    with_invoices = Invoice.objects.filter(status=InvoiceStatus.ISSUED).values("tenant_id")
    return sorted({row["tenant_id"] for row in with_subscriptions} | {row["tenant_id"] for row in with_invoices})


def billing_cycle_run(*, on: datetime.date) -> Counter:
    """Run the cycle for every tenant in this process; return what it did."""
    totals: Counter = Counter()
    for tenant in Tenant.objects.filter(pk__in=billing_cycle_tenant_ids()).order_by("pk"):
        totals.update(billing_cycle_run_for_tenant(tenant=tenant, on=on))
    return totals


def billing_cycle_run_for_tenant(*, tenant: Tenant, on: datetime.date) -> Counter:
    """Run steps 1-5 for one tenant on date `on`."""
    counts: Counter = Counter()
    for subscription in Subscription.objects.filter(tenant=tenant, status__in=CYCLED_STATUSES):
        counts.update(_cycle_subscription(tenant=tenant, subscription=subscription, on=on))
    counts.update(_send_reminders(tenant=tenant, on=on))
    return counts


@transaction.atomic
def _cycle_subscription(*, tenant: Tenant, subscription: Subscription, on: datetime.date) -> Counter:
    counts: Counter = Counter()
    conf = billing_settings()
    subscription = lock_subscription(subscription, tenant=tenant)
    if subscription.status == S.PENDING_PAYMENT:  # step 3 for a first invoice never paid
        due_on = (Invoice.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription,
                                         kind=InvoiceKind.FIRST, status=InvoiceStatus.ISSUED)
                  .order_by("pk").values_list("due_on", flat=True).first())
        if due_on is not None and on >= due_on + datetime.timedelta(days=conf.grace_days):
            _expire(subscription, on)
            counts["expired"] += 1
        return counts
    if subscription.status in (S.TRIAL, S.ACTIVE):
        end = subscription.current_period_end
        if subscription.cancel_at_period_end or not subscription.auto_renew:
            if end <= on:  # step 4
                subscription_update(subscription=subscription, actor=None, verb=AuditVerb.SUBSCRIPTION_ENDED,
                                    changes={"status": S.CANCELLED, "ended_on": end}, reason="ended at period end")
                counts["ended"] += 1
            return counts
        if (end - on).days <= conf.renewal_lead_days:  # step 1
            plan = subscription.next_plan or subscription.plan
            if subscription_terms_for(subscription, plan)[0] == ZERO:
                if end <= on:
                    _renew_free(subscription, plan, on)
                    counts["renewed_free"] += 1
                    return counts
            elif not Invoice.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription,
                                            period_start=end).exclude(status=InvoiceStatus.VOID).exists():
                # A trial has never been paid: its period invoice is the first one.
                kind = InvoiceKind.FIRST if subscription.status == S.TRIAL else InvoiceKind.RENEWAL
                subscription_issue_period_invoice(subscription=subscription, actor=None, plan=plan, start=end,
                                                  on=on, kind=kind, due_on=max(end, on))
                counts["invoices_issued"] += 1
        if end <= on:  # step 2: a paid invoice would have moved the period on
            # Grace runs from the period's end, or from the day the bill went out if that was later
            # (the cycle did not run for a while): nobody expires before being invoiced and given grace.
            issued_on = (Invoice.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription,
                                                period_start=end).exclude(status=InvoiceStatus.VOID)
                         .values_list("issued_on", flat=True).first())
            subscription_update(subscription=subscription, actor=None, verb=AuditVerb.SUBSCRIPTION_PAST_DUE,
                                changes={"status": S.PAST_DUE, "past_due_since": max(end, issued_on or end)},
                                reason="past due")
            counts["past_due"] += 1
    if subscription.status == S.PAST_DUE:
        since = subscription.past_due_since or subscription.current_period_end or on
        if on >= since + datetime.timedelta(days=conf.grace_days):  # step 3
            _expire(subscription, on)
            counts["expired"] += 1
    return counts


def _renew_free(subscription: Subscription, plan, on: datetime.date) -> None:
    terms = subscription_terms_for(subscription, plan)
    start = subscription.current_period_end
    end = add_period(start, terms[2])
    while end <= on:  # the cycle did not run for a while: catch up to today
        start, end = end, add_period(end, terms[2])
    subscription_update(subscription=subscription, actor=None, verb=AuditVerb.SUBSCRIPTION_RENEWED,
                        changes=subscription_renewal_changes(subscription, plan=plan, start=start, end=end,
                                                             terms=terms),
                        reason="free plan renewed")


def _expire(subscription: Subscription, on: datetime.date) -> None:
    """End an unpaid subscription; suspend the company unless it falls back to the Free plan."""
    never_paid = not Invoice.objects.filter(tenant_id=subscription.tenant_id, subscription=subscription,
                                            status=InvoiceStatus.PAID).exists()
    subscription_update(subscription=subscription, actor=None, verb=AuditVerb.SUBSCRIPTION_EXPIRED,
                        changes={"status": S.EXPIRED, "expired_on": on}, reason="expired unpaid")
    tenant = Tenant.objects.select_for_update().get(pk=subscription.tenant_id)
    falls_back_to_free = never_paid and free_plan() is not None
    if falls_back_to_free:
        body = (f"The first invoice was not paid within the grace period: your company is on the Free plan's "
                f"limits, with all its data kept. Pay the invoice to get the {subscription.plan.name} plan.")
    else:
        body = "The invoice was not paid within the grace period. Pay it to reactivate your company."
        if tenant.status == TenantStatus.ACTIVE:
            tenant_suspend(tenant=tenant, actor=None, for_nonpayment=True,
                           reason="The subscription expired unpaid: pay the open invoice to reactivate.")
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.SUBSCRIPTION_EXPIRED,
           title="Your subscription has expired", body=body, data={"subscription_id": subscription.pk})


def _send_reminders(*, tenant: Tenant, on: datetime.date) -> Counter:
    counts: Counter = Counter()
    soon = on + datetime.timedelta(days=REMINDER_DAYS)
    open_invoices = Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.ISSUED)
    for invoice_id in open_invoices.filter(due_on__gte=on, due_on__lte=soon, due_soon_notified_on__isnull=True,
                                           ).values_list("pk", flat=True):
        counts["due_soon_reminders"] += _remind_invoice(
            tenant=tenant, invoice_id=invoice_id, on=on, flag="due_soon_notified_on",
            type=NotificationType.INVOICE_DUE_SOON, title="Invoice {number} is due on {due_on}")
    for invoice_id in open_invoices.filter(due_on__lt=on, overdue_notified_on__isnull=True,
                                           ).values_list("pk", flat=True):
        counts["overdue_reminders"] += _remind_invoice(
            tenant=tenant, invoice_id=invoice_id, on=on, flag="overdue_notified_on",
            type=NotificationType.INVOICE_OVERDUE, title="Invoice {number} is overdue since {due_on}")
    for subscription_id in Subscription.objects.filter(
        tenant=tenant, status=S.TRIAL, trial_ends_on__lte=soon, trial_ending_notified_on__isnull=True,
    ).values_list("pk", flat=True):
        counts["trial_ending_reminders"] += _remind_trial(tenant=tenant, subscription_id=subscription_id, on=on)
    return counts


@transaction.atomic
def _remind_invoice(*, tenant: Tenant, invoice_id: int, on: datetime.date, flag: str, type: str,
                    title: str) -> int:
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id, tenant=tenant)
    if invoice.status != InvoiceStatus.ISSUED or getattr(invoice, flag) is not None:
        return 0
    model_update(invoice, {flag: on}, allowed=(flag,), actor=None,
                 reason=f"{flag.removesuffix('_notified_on').replace('_', ' ')} reminder sent")
    text = title.format(number=invoice.number, due_on=invoice.due_on)
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=type, title=text,
           body=f"{text}: {invoice.total} {invoice.currency}.", data={"invoice_id": invoice.pk})
    return 1


@transaction.atomic
def _remind_trial(*, tenant: Tenant, subscription_id: int, on: datetime.date) -> int:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id, tenant=tenant)
    if subscription.status != S.TRIAL or subscription.trial_ending_notified_on is not None:
        return 0
    model_update(subscription, {"trial_ending_notified_on": on}, allowed=("trial_ending_notified_on",), actor=None,
                 reason="trial ending reminder sent")
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.TRIAL_ENDING,
           title=f"Your trial ends on {subscription.trial_ends_on}",
           body="Pay the first invoice to keep using the platform after the trial.",
           data={"subscription_id": subscription.pk})
    return 1
