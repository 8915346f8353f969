"""Every read the control panel needs: system settings and the dashboard's numbers."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from billing.conf import BillingSettings
from billing.models import (
    BillingPeriod,
    Invoice,
    InvoiceStatus,
    Payment,
    RevenueMonth,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services.revenue import COUNTED_STATUSES
from platform_admin.models import SystemSetting
from tenancy.models import ActivityLog, Tenant, TenantStatus

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def system_setting_get() -> BillingSettings:
    """Return the effective settings: the stored row's values, the server's defaults where it is blank."""
    row = SystemSetting.objects.order_by("pk").first()
    issuer = dict(settings.INVOICE_ISSUER)
    lead, grace = settings.RENEWAL_LEAD_DAYS, settings.GRACE_DAYS
    if row is not None:
        for key in ("name", "address", "tax_id", "email"):
            value = getattr(row, f"issuer_{key}")
            if value:
                issuer[key] = value
        for key in ("bank_name", "account", "bic", "text"):
            value = getattr(row, f"payment_{key}")
            if value:
                issuer[f"payment_{key}"] = value
        if row.zero_tax_note:
            issuer["zero_tax_note"] = row.zero_tax_note
        issuer["footer"] = row.invoice_footer
        issuer["logo"] = row.invoice_logo.name if row.invoice_logo else ""
        lead = row.renewal_lead_days if row.renewal_lead_days is not None else lead
        grace = row.grace_days if row.grace_days is not None else grace
    return BillingSettings(issuer=issuer, renewal_lead_days=lead, grace_days=grace)


# --- dashboard ------------------------------------------------------------------------------------------------


def tenant_count(*, status: str) -> int:
    return Tenant.objects.filter(status=status).count()


def payments_awaiting_verification() -> QuerySet[Payment]:
    # Prefetched, not joined: with INNER JOINs MariaDB started from the small tenant table and sorted every
    # pending payment (577 ms at 100k payments, make bench); alone, the payment query reads
    # payment_verif_created_idx in order and stops at the page.
    return (Payment.objects.filter(verification_status=VerificationStatus.PENDING)
            .prefetch_related("tenant", "invoice").order_by("-created_at", "-id"))


def payments_awaiting_verification_count() -> int:
    return Payment.objects.filter(verification_status=VerificationStatus.PENDING).count()


def tenants_awaiting_approval() -> QuerySet[Tenant]:
    return Tenant.objects.filter(status=TenantStatus.PENDING).order_by("-created_at", "-id")


MRR_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def monthly_recurring_revenue() -> dict[str, Decimal]:
    """MRR per currency: ACTIVE and PAST_DUE subscriptions at their own price, a year counting one twelfth.

    The subscription's price is what it was sold at, so editing a plan's price changes nothing here;
    trials and unpaid first invoices are not revenue, PAST_DUE ones are still served and billed.
    """
    rows = (Subscription.objects.filter(status__in=MRR_STATUSES).values("currency", "period")
            .annotate(total=Sum("price")).order_by())
    totals: dict[str, Decimal] = {}
    for row in rows:
        amount = row["total"] or ZERO
        if row["period"] == BillingPeriod.YEARLY:
            amount = amount / 12
        totals[row["currency"]] = totals.get(row["currency"], ZERO) + amount
    return {currency: totals[currency].quantize(CENT, rounding=ROUND_HALF_UP) for currency in sorted(totals)}


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    return datetime.date(day.year + index // 12, index % 12 + 1, 1)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def paid_in_months(queryset: QuerySet[Invoice], *, months: int, today: datetime.date) -> QuerySet[Invoice]:
    """The invoices of `queryset` that the revenue figures count (billing.services.revenue's rule), paid in
    the last `months` calendar months (this one included): the rows behind the revenue figures."""
    first = _add_months(_month_start(today), -(months - 1))
    return queryset.filter(paid_at__isnull=False, status__in=COUNTED_STATUSES, paid_at__gte=_aware(first))


def _revenue_months(*, first: datetime.date, end: datetime.date, currency: str | None) -> dict[datetime.date, Decimal]:
    """The maintained monthly totals (billing.RevenueMonth) of one currency for the months in [first, end)."""
    currency = currency or settings.DEFAULT_CURRENCY
    return dict(RevenueMonth.objects.filter(currency=currency, month__gte=first, month__lt=end)
                .values_list("month", "total"))


def revenue_between(*, start: datetime.date, end: datetime.date, currency: str | None = None) -> Decimal:
    """Revenue of the whole months from `start`'s to the one before `end`'s in one currency, credit notes
    deducted. Read from the maintained monthly rows: both dates must be first days of months."""
    if start.day != 1 or end.day != 1:
        raise ValueError("revenue_between sums whole months: give the first day of a month for start and end.")
    return sum(_revenue_months(first=start, end=end, currency=currency).values(), ZERO)


def revenue_this_month(*, today: datetime.date | None = None, currency: str | None = None) -> Decimal:
    today = today or timezone.localdate()
    start = _month_start(today)
    return revenue_between(start=start, end=_add_months(start, 1), currency=currency)


def revenue_per_month(*, months: int = 12, today: datetime.date | None = None,
                      currency: str | None = None) -> list[tuple[datetime.date, Decimal]]:
    """Return (first day of month, revenue) for the last `months` months, oldest first, this month last."""
    today = today or timezone.localdate()
    first = _add_months(_month_start(today), -(months - 1))
    by_month = _revenue_months(first=first, end=_add_months(_month_start(today), 1), currency=currency)
    return [(_add_months(first, i), by_month.get(_add_months(first, i), ZERO)) for i in range(months)]


def overdue_invoice_count(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return Invoice.objects.filter(status=InvoiceStatus.ISSUED, due_on__lt=today).count()


def signups_per_week(*, weeks: int = 52, today: datetime.date | None = None) -> list[tuple[datetime.date, int]]:
    """Return (Monday, number of tenants created that week) for the last `weeks` weeks, oldest first."""
    today = today or timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    first = this_monday - datetime.timedelta(weeks=weeks - 1)
    counts = [0] * weeks
    # Bucketing in Python keeps this identical on SQLite and MySQL (week truncation differs between them).
    for created_at in Tenant.objects.filter(created_at__gte=_aware(first)).values_list("created_at", flat=True):
        index = (timezone.localtime(created_at).date() - first).days // 7
        if 0 <= index < weeks:
            counts[index] += 1
    return [(first + datetime.timedelta(weeks=i), counts[i]) for i in range(weeks)]


def dashboard_numbers(*, today: datetime.date | None = None) -> dict:
    """The dashboard's headline numbers."""
    today = today or timezone.localdate()
    statuses = dict(Tenant.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "active_tenants": statuses.get(TenantStatus.ACTIVE, 0),
        "pending_tenants": statuses.get(TenantStatus.PENDING, 0),
        "pending_payments": payments_awaiting_verification_count(),
        "mrr": monthly_recurring_revenue(),
        "revenue_this_month": revenue_this_month(today=today),
        "overdue_invoices": overdue_invoice_count(today=today),
        "currency": settings.DEFAULT_CURRENCY,
    }




def company_overview(*, tenant: Tenant, today: datetime.date, timeline_length: int = 15) -> dict:
    """What the company page shows first: subscription, open balance (and how late), recent invoices, payments
    and the timeline of its audit log."""
    subscription = (Subscription.objects.filter(tenant=tenant).select_related("plan", "next_plan")
                    .order_by("-created_at", "-id").first())
    open_invoices = list(Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.ISSUED)
                         .order_by("due_on", "id"))
    balance: dict[str, Decimal] = {}
    for invoice in open_invoices:
        balance[invoice.currency] = balance.get(invoice.currency, ZERO) + invoice.total
    overdue = [invoice for invoice in open_invoices if invoice.due_on and invoice.due_on < today]
    return {
        "subscription": subscription,
        "balance": sorted(balance.items()),
        "open_count": len(open_invoices),
        "overdue_count": len(overdue),
        "days_late": (today - overdue[0].due_on).days if overdue else 0,
        "invoices": list(Invoice.objects.filter(tenant=tenant).order_by("-created_at", "-id")[:10]),
        "payments": list(Payment.objects.filter(tenant=tenant).select_related("invoice")
                         .order_by("-created_at", "-id")[:10]),
        "timeline": list(ActivityLog.objects.filter(tenant=tenant).select_related("actor")
                         .order_by("-created_at", "-id")[:timeline_length]),
    }


def invoice_days_late(invoice: Invoice, today: datetime.date) -> int:
    """Days past the due date of an unpaid issued invoice (0 when it is not late)."""
    if invoice.status != InvoiceStatus.ISSUED or invoice.due_on is None or invoice.due_on >= today:
        return 0
    return (today - invoice.due_on).days
