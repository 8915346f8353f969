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


def _subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("plan", "next_plan", "tenant").order_by("-created_at", "-id")


def _payments() -> QuerySet[Payment]:
    return (Payment.objects.select_related("invoice", "tenant", "submitted_by", "verified_by")
            .order_by("-created_at", "-id"))


def _invoices(*, include_drafts: bool) -> QuerySet[Invoice]:
    queryset = (Invoice.objects.select_related("tenant", "plan")
                .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")),
                                  Prefetch("documents", queryset=InvoiceDocument.objects.order_by("created_at", "id")))
                .order_by("-created_at", "-id"))
    return queryset if include_drafts else queryset.exclude(status=InvoiceStatus.DRAFT)


def subscription_list(*, tenant: Tenant) -> QuerySet[Subscription]:
    """The tenant's subscriptions, newest first."""
    return _subscriptions().filter(tenant=tenant)


def subscription_current(*, tenant: Tenant) -> Subscription | None:
    return subscription_list(tenant=tenant).filter(status__in=CURRENT_SUBSCRIPTION_STATUSES).first()


def payment_list(*, tenant: Tenant) -> QuerySet[Payment]:
    """The tenant's payments, newest first."""
    return _payments().filter(tenant=tenant)


def invoice_list(*, tenant: Tenant, include_drafts: bool = False) -> QuerySet[Invoice]:
    """The tenant's invoices with their lines, newest first; drafts only for staff tools."""
    return _invoices(include_drafts=include_drafts).filter(tenant=tenant)


# Cross-tenant reads: platform staff only (PlatformStaffViewSet subclasses, the admin, platform services).
# project/tests/test_api_bases.py checks who references them.

def subscription_list_for_all_tenants() -> QuerySet[Subscription]:
    """Every tenant's subscriptions, newest first."""
    return _subscriptions()


def payment_list_for_all_tenants() -> QuerySet[Payment]:
    """Every tenant's payments, newest first."""
    return _payments()


def invoice_list_for_all_tenants(*, include_drafts: bool = True) -> QuerySet[Invoice]:
    """Every tenant's invoices with their lines, newest first, drafts included unless asked otherwise."""
    return _invoices(include_drafts=include_drafts)


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
