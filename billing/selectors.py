"""Every read of the billing app that the API or the admin needs."""

from django.db.models import Prefetch, QuerySet

from billing.models import (
    CURRENT_SUBSCRIPTION_STATUSES,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    Plan,
    Subscription,
)
from tenancy import limits
from tenancy.models import Tenant


def plan_list(*, include_hidden: bool = False) -> QuerySet[Plan]:
    """Active public plans (all plans for staff tools)."""
    queryset = Plan.objects.all()
    if not include_hidden:
        queryset = queryset.filter(is_active=True, is_public=True)
    return queryset.order_by("order", "price", "id")


def subscription_list(*, tenant: Tenant | None) -> QuerySet[Subscription]:
    """The tenant's subscriptions, newest first; all tenants' when `tenant` is None (staff)."""
    queryset = Subscription.objects.select_related("plan", "next_plan", "tenant").order_by("-created_at", "-id")
    return queryset if tenant is None else queryset.filter(tenant=tenant)


def subscription_current(*, tenant: Tenant) -> Subscription | None:
    return subscription_list(tenant=tenant).filter(status__in=CURRENT_SUBSCRIPTION_STATUSES).first()


def payment_list(*, tenant: Tenant | None) -> QuerySet[Payment]:
    """The tenant's payments, newest first; all tenants' when `tenant` is None (staff)."""
    queryset = (Payment.objects.select_related("invoice", "tenant", "submitted_by", "verified_by")
                .order_by("-created_at", "-id"))
    return queryset if tenant is None else queryset.filter(tenant=tenant)


def invoice_list(*, tenant: Tenant | None, include_drafts: bool = False) -> QuerySet[Invoice]:
    """The tenant's invoices with their lines, newest first; drafts only for staff tools."""
    queryset = (Invoice.objects.select_related("tenant", "plan")
                .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")),
                                  Prefetch("documents", queryset=InvoiceDocument.objects.order_by("created_at", "id")))
                .order_by("-created_at", "-id"))
    if not include_drafts:
        queryset = queryset.exclude(status=InvoiceStatus.DRAFT)
    return queryset if tenant is None else queryset.filter(tenant=tenant)


def billing_dashboard(*, tenant: Tenant) -> dict:
    """The current subscription, open invoices, usage against each limit and recent history.

    Without a current subscription, `subscription` is the last one (EXPIRED or CANCELLED, with its
    status) so the tenant sees what ended and can renew; None only before the first subscription.
    """
    return {
        "subscription": subscription_current(tenant=tenant) or subscription_list(tenant=tenant).first(),
        "open_invoices": list(invoice_list(tenant=tenant).filter(status=InvoiceStatus.ISSUED)),
        "usage": limits.usage_report(tenant),
        "payments": list(payment_list(tenant=tenant)[:10]),
        "subscriptions": list(subscription_list(tenant=tenant)[:10]),
    }
