"""The control panel's dashboard (unfold's DASHBOARD_CALLBACK): cards, charts and short queues."""

import json
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from platform_admin import selectors
from tenancy.models import TenantStatus

QUEUE_LENGTH = 5
ZERO = Decimal("0.00")


def _chart(label: str, points: list[tuple], *, fmt, x_title: str, y_title: str, whole: bool = False) -> dict:
    """Chart.js data and options for unfold's chart: titled axes, the value axis from 0 (never below, even when
    every value is 0) with whole numbers for counts, the time axis with its dates."""
    values = [float(value) for _, value in points]
    axis = {"border": {"dash": [5, 5], "width": 0}, "grid": {"tickWidth": 0}}
    title = {"display": True, "color": "#6b7280", "font": {"size": 12, "weight": "500"}}
    options = {
        "animation": False, "responsive": True, "maintainAspectRatio": False, "barPercentage": 1,
        "maxBarThickness": 8,
        "datasets": {"bar": {"borderRadius": 12, "borderSkipped": "middle"},
                     "line": {"borderWidth": 2, "pointRadius": 2}},
        "plugins": {"legend": {"display": False}, "tooltip": {"enabled": True}},
        "scales": {
            "x": {**axis, "title": {**title, "text": x_title},
                  "ticks": {"color": "#9ca3af", "maxTicksLimit": 12, "autoSkip": True}},
            "y": {**axis, "title": {**title, "text": y_title}, "min": 0, "beginAtZero": True,
                  # An all-zero series still gets a positive scale (0 at the bottom), not -1 ... 1.
                  "suggestedMax": max(values, default=0) or (5 if whole else 100),
                  "ticks": {"color": "#9ca3af", **({"precision": 0} if whole else {})}},
        },
    }
    data = {"labels": [fmt(day) for day, _ in points],
            "datasets": [{"label": label, "data": values, "backgroundColor": "var(--color-primary-400)",
                          "borderColor": "var(--color-primary-600)"}]}
    return {"data": json.dumps(data), "options": json.dumps(options), "total": sum(value for _, value in points)}


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 font-medium" href="{}">{}</a>', url, text)


def dashboard_callback(request, context: dict) -> dict:
    """Add the numbers, charts and queues the user may see to the index page's context."""
    user = request.user
    today = timezone.localdate()
    numbers = selectors.dashboard_numbers(today=today)
    can_tenants = user.has_perm("tenancy.view_tenant")
    can_billing = user.has_perm("billing.view_payment")
    tenants_url = reverse("admin:tenancy_tenant_changelist")
    payments_url = reverse("admin:billing_payment_changelist")
    invoices_url = reverse("admin:billing_invoice_changelist")
    currency = numbers["currency"]

    cards = []
    if can_tenants:
        cards += [
            {"id": "active-tenants", "title": "Active companies", "value": numbers["active_tenants"],
             "href": f"{tenants_url}?status__exact={TenantStatus.ACTIVE}"},
            {"id": "pending-tenants", "title": "Awaiting approval", "value": numbers["pending_tenants"],
             "href": f"{tenants_url}?status__exact={TenantStatus.PENDING}"},
        ]
    if can_billing:
        cards += [
            {"id": "pending-payments", "title": "Payments to verify", "value": numbers["pending_payments"],
             "href": f"{payments_url}?verification=PENDING"},
            # One card per currency: amounts in different currencies are never added up.
            *({"id": f"mrr-{code.lower()}", "title": f"Monthly recurring revenue ({code})",
               "value": f"{amount:,.2f} {code}",
               "href": reverse("admin:billing_subscription_changelist") + "?status__exact=ACTIVE"}
              for code, amount in (numbers["mrr"] or {currency: ZERO}).items()),
            {"id": "revenue-month", "title": "Revenue this month",
             "value": f"{numbers['revenue_this_month']:,.2f} {currency}",
             "href": f"{invoices_url}?revenue=this_month&currency__exact={currency}"},
            {"id": "overdue-invoices", "title": "Overdue invoices", "value": numbers["overdue_invoices"],
             "href": f"{invoices_url}?dunning=overdue"},
        ]
    context["dashboard_cards"] = cards

    if can_tenants:
        weeks = selectors.signups_per_week(today=today)
        chart = _chart("Sign-ups", weeks, fmt=lambda day: day.strftime("%d %b"), x_title="Week starting",
                       y_title="Companies signed up", whole=True)
        chart["link"] = f"{tenants_url}?created_at_from={weeks[0][0].isoformat()}"
        chart["caption"] = f"{chart['total']:,} sign-up{'s' if chart['total'] != 1 else ''} in 12 months"
        context["signups_chart"] = chart
        pending = selectors.tenants_awaiting_approval()[:QUEUE_LENGTH]
        context["pending_tenants_table"] = {
            "headers": ["Company", "Contact", "Signed up"],
            "rows": [[_link(reverse("admin:tenancy_tenant_change", args=[t.pk]), t.name), t.contact_email,
                      _when(t.created_at)] for t in pending],
        }
    if can_billing:
        months = selectors.revenue_per_month(today=today)
        chart = _chart(f"Revenue ({currency})", months, fmt=lambda day: day.strftime("%b %Y"), x_title="Month paid",
                       y_title=f"Revenue ({currency})")
        chart["link"] = f"{invoices_url}?revenue=12_months&currency__exact={currency}"
        chart["caption"] = f"{chart['total']:,.2f} {currency} in 12 months"
        context["revenue_chart"] = chart
        payments = selectors.payments_awaiting_verification()[:QUEUE_LENGTH]
        context["pending_payments_table"] = {
            "headers": ["Company", "Invoice", "Amount", "Submitted"],
            "rows": [[_link(reverse("admin:billing_payment_change", args=[p.pk]), p.tenant.name),
                      _link(reverse("admin:billing_invoice_change", args=[p.invoice_id]), p.invoice),
                      f"{p.amount:,.2f} {p.currency}", _when(p.created_at)]
                     for p in payments],
        }
    return context
