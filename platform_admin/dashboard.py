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


def _chart(label: str, points: list[tuple], *, fmt, unit: str = "") -> str:
    """Chart.js data for unfold's chart: the y axis shows its values (with `unit`), the x axis its dates."""
    return json.dumps({
        "labels": [fmt(day) for day, _ in points],
        "datasets": [{"label": label, "data": [float(value) for _, value in points], "displayYAxis": True,
                      "suffixYAxis": unit, "maxTicksXLimit": 12}],
    })


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
             "value": f"{numbers['revenue_this_month']:,.2f} {currency}", "href": f"{invoices_url}?status__exact=PAID"},
            {"id": "overdue-invoices", "title": "Overdue invoices", "value": numbers["overdue_invoices"],
             "href": f"{invoices_url}?status__exact=ISSUED&due_on_to={today.isoformat()}"},
        ]
    context["dashboard_cards"] = cards

    if can_tenants:
        context["signups_chart"] = _chart("Sign-ups", selectors.signups_per_week(today=today),
                                          fmt=lambda day: day.strftime("%d %b"))
        pending = selectors.tenants_awaiting_approval()[:QUEUE_LENGTH]
        context["pending_tenants_table"] = {
            "headers": ["Company", "Contact", "Signed up"],
            "rows": [[_link(reverse("admin:tenancy_tenant_change", args=[t.pk]), t.name), t.contact_email,
                      _when(t.created_at)] for t in pending],
        }
    if can_billing:
        context["revenue_chart"] = _chart(f"Revenue ({currency})", selectors.revenue_per_month(today=today),
                                          fmt=lambda day: day.strftime("%b %Y"), unit=currency)
        payments = selectors.payments_awaiting_verification()[:QUEUE_LENGTH]
        context["pending_payments_table"] = {
            "headers": ["Company", "Invoice", "Amount", "Submitted"],
            "rows": [[_link(reverse("admin:billing_payment_change", args=[p.pk]), p.tenant.name),
                      _link(reverse("admin:billing_invoice_change", args=[p.invoice_id]), p.invoice),
                      f"{p.amount:,.2f} {p.currency}", _when(p.created_at)]
                     for p in payments],
        }
    return context
