"""The dashboard's numbers against known data, and what each group sees on it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import BillingPeriod, InvoiceStatus, SubscriptionStatus
from billing.tests.factories import InvoiceFactory, PlanFactory, SubscriptionFactory
from platform_admin import selectors
from platform_admin.models import SystemSetting
from tenancy.models import Tenant, TenantStatus
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 18)  # a Wednesday


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def known_data():
    monthly = PlanFactory(code="m", price=Decimal("49.00"))
    yearly = PlanFactory(code="y", price=Decimal("120.00"), period=BillingPeriod.YEARLY)
    euro = PlanFactory(code="eur", price=Decimal("99.00"), currency="EUR")
    active_a, active_b = TenantFactory(), TenantFactory()
    TenantFactory(status=TenantStatus.PENDING)
    TenantFactory(status=TenantStatus.SUSPENDED)
    a = SubscriptionFactory(tenant=active_a, plan=monthly)
    SubscriptionFactory(tenant=active_b, plan=yearly)
    SubscriptionFactory(tenant=active_b, plan=euro)  # another currency: not in the USD figures
    SubscriptionFactory(tenant=active_a, plan=monthly, status=SubscriptionStatus.CANCELLED)
    # Paid this month, last month, and 13 months ago (outside the chart); one overdue, one due later.
    InvoiceFactory(subscription=a, status=InvoiceStatus.PAID, total=Decimal("49.00"), paid_at=at(TODAY))
    InvoiceFactory(subscription=a, status=InvoiceStatus.PAID, total=Decimal("10.50"),
                   paid_at=at(datetime.date(2026, 3, 1)))
    InvoiceFactory(subscription=a, status=InvoiceStatus.PAID, total=Decimal("30.00"),
                   paid_at=at(datetime.date(2026, 2, 27)))
    InvoiceFactory(subscription=a, status=InvoiceStatus.PAID, total=Decimal("99.00"),
                   paid_at=at(datetime.date(2025, 2, 10)))
    InvoiceFactory(subscription=a, status=InvoiceStatus.ISSUED, number="INV-1", due_on=TODAY - datetime.timedelta(1))
    InvoiceFactory(subscription=a, status=InvoiceStatus.ISSUED, number="INV-2", due_on=TODAY)
    InvoiceFactory(subscription=a, status=InvoiceStatus.VOID, due_on=TODAY - datetime.timedelta(30))


def test_headline_numbers(known_data, pending_payment):
    numbers = selectors.dashboard_numbers(today=TODAY)
    # The pending_payment fixture adds the "Alpha Ltd" tenant (active) with a 49.00 subscription
    # that is waiting for verification: not part of the MRR.
    assert numbers["active_tenants"] == 3
    assert numbers["pending_tenants"] == 1
    assert numbers["pending_payments"] == 1
    assert numbers["mrr"] == {"EUR": Decimal("99.00"), "USD": Decimal("59.00")}  # 49 monthly + 120 / 12
    assert numbers["revenue_this_month"] == Decimal("59.50")
    assert numbers["overdue_invoices"] == 1


def test_revenue_per_month(known_data):
    months = selectors.revenue_per_month(today=TODAY)
    assert len(months) == 12
    assert months[0][0] == datetime.date(2025, 4, 1) and months[-1][0] == datetime.date(2026, 3, 1)
    assert dict(months)[datetime.date(2026, 3, 1)] == Decimal("59.50")
    assert dict(months)[datetime.date(2026, 2, 1)] == Decimal("30.00")
    assert sum(value for _, value in months) == Decimal("89.50")


def test_signups_per_week(db):
    Tenant.objects.all().delete()
    for day in [TODAY, TODAY - datetime.timedelta(days=2), TODAY - datetime.timedelta(days=7),
                TODAY - datetime.timedelta(weeks=60)]:
        TenantFactory(created_at=at(day))
    weeks = selectors.signups_per_week(today=TODAY)
    assert len(weeks) == 52
    assert weeks[-1] == (datetime.date(2026, 3, 16), 2)  # Monday of this week: Wednesday and Monday
    assert weeks[-2] == (datetime.date(2026, 3, 9), 1)
    assert sum(count for _, count in weeks) == 3


def test_the_dashboard_shows_the_numbers(admin_client, super_admin, known_data):
    response = admin_client(super_admin).get("/admin/")
    assert response.status_code == 200
    cards = {card["id"]: card["value"] for card in response.context["dashboard_cards"]}
    numbers = selectors.dashboard_numbers()
    assert cards["active-tenants"] == numbers["active_tenants"] == 2
    assert cards["pending-tenants"] == 1
    assert (cards["mrr-usd"], cards["mrr-eur"]) == ("59.00 USD", "99.00 EUR")  # a card per currency
    content = response.content.decode()
    assert 'id="card-mrr-usd"' in content and "59.00 USD" in content and 'id="card-mrr-eur"' in content
    assert response.context["pending_tenants_table"]["rows"]
    assert "revenue_chart" in response.context and "signups_chart" in response.context


def test_support_sees_no_money(admin_client, support, known_data):
    response = admin_client(support).get("/admin/")
    ids = {card["id"] for card in response.context["dashboard_cards"]}
    assert ids == {"active-tenants", "pending-tenants"}
    assert "revenue_chart" not in response.context and "pending_payments_table" not in response.context


def test_sidebar_badges_count_the_queues(admin_client, finance, pending_payment):
    TenantFactory(status=TenantStatus.PENDING)
    from platform_admin.site import badge_pending_payments, badge_pending_tenants

    assert badge_pending_payments(None) == 1 and badge_pending_tenants(None) == 1
    content = admin_client(finance).get("/admin/").content.decode()
    assert "Payments" in content and "Companies" in content
    assert content.count("min-w-[18px]") == 2  # a badge beside Companies and beside Payments


def test_no_badge_when_nothing_waits(admin_client, finance, support, pending_payment):
    from billing.services.payments import payment_verify

    payment_verify(tenant=pending_payment.tenant, actor=finance, payment=pending_payment)
    assert "min-w-[18px]" not in admin_client(finance).get("/admin/").content.decode()
    TenantFactory(status=TenantStatus.PENDING)
    assert admin_client(support).get("/admin/").content.decode().count("min-w-[18px]") == 1  # companies only


def test_system_settings_fall_back_to_the_server_defaults(settings):
    settings.RENEWAL_LEAD_DAYS, settings.GRACE_DAYS = 7, 5
    assert selectors.system_setting_get().renewal_lead_days == 7
    SystemSetting.objects.create(issuer_name="Platform GmbH", grace_days=10)
    effective = selectors.system_setting_get()
    assert effective.issuer["name"] == "Platform GmbH"
    assert effective.issuer["tax_id"] == settings.INVOICE_ISSUER["tax_id"]
    assert (effective.renewal_lead_days, effective.grace_days) == (7, 10)


def test_system_settings_page_is_a_single_row(admin_client, super_admin, support):
    client = admin_client(super_admin)
    response = client.get("/admin/platform_admin/systemsetting/")
    assert response.status_code == 302 and response.url.endswith("/add/")
    client.post("/admin/platform_admin/systemsetting/add/", {"issuer_name": "P", "issuer_address": "",
                                                             "issuer_tax_id": "", "issuer_email": "",
                                                             "renewal_lead_days": "3", "grace_days": ""})
    row = SystemSetting.objects.get()
    assert client.get("/admin/platform_admin/systemsetting/").url.endswith(f"/{row.pk}/change/")
    assert admin_client(support).get("/admin/platform_admin/systemsetting/").status_code == 403


def test_stored_system_settings_drive_billing(settings):
    from billing.conf import billing_settings
    from billing.tests.factories import issued_invoice

    SystemSetting.objects.create(issuer_name="Platform GmbH", issuer_tax_id="DE999", grace_days=12)
    assert billing_settings().grace_days == 12
    invoice = issued_invoice()
    assert (invoice.issuer_name, invoice.issuer_tax_id) == ("Platform GmbH", "DE999")


def test_charts_show_their_values_and_the_queues_link_their_records(admin_client, finance, pending_payment):
    import json

    from django.urls import reverse

    response = admin_client(finance).get(reverse("admin:index"))
    chart = response.context["revenue_chart"]
    scales = json.loads(chart["options"])["scales"]
    assert scales["y"]["title"] == {"display": True, "text": "Revenue (USD)", "color": "#6b7280",
                                    "font": {"size": 12, "weight": "500"}}
    assert scales["x"]["title"]["text"] == "Month paid"
    # Nothing paid yet: every value is 0, and the axis still starts at 0 and goes up (no -1 ... 1 scale).
    assert json.loads(chart["data"])["datasets"][0]["data"] == [0.0] * 12
    assert scales["y"]["min"] == 0 and scales["y"]["suggestedMax"] > 0
    html = response.content.decode()
    assert 'data-options="' in html and "0.00 USD in 12 months" in html
    assert reverse("admin:billing_invoice_change", args=[pending_payment.invoice_id]) in html
    assert f"{pending_payment.amount:,.2f} USD" in html


def test_dashboard_numbers_link_to_the_rows_they_count(admin_client, super_admin, known_data, settings):
    """Each card's and chart's number equals the count or sum of the list it links to."""
    import json
    from urllib.parse import parse_qsl, urlsplit

    from django.urls import reverse

    client = admin_client(super_admin)
    response = client.get(reverse("admin:index"))
    cards = {card["id"]: card for card in response.context["dashboard_cards"]}

    def listed(href):
        url = urlsplit(href)
        page = client.get(url.path, dict(parse_qsl(url.query)))
        assert page.status_code == 200 and "e" not in page.wsgi_request.GET, href  # the filters were understood
        return page.context["cl"].queryset

    assert listed(cards["overdue-invoices"]["href"]).count() == cards["overdue-invoices"]["value"] > 0
    paid = listed(cards["revenue-month"]["href"])
    assert f"{sum(i.total for i in paid):,.2f} USD" == cards["revenue-month"]["value"]
    assert all(i.currency == "USD" for i in paid)
    assert listed(cards["pending-tenants"]["href"]).count() == cards["pending-tenants"]["value"]
    assert listed(cards["active-tenants"]["href"]).count() == cards["active-tenants"]["value"]
    revenue = response.context["revenue_chart"]
    in_chart = sum(json.loads(revenue["data"])["datasets"][0]["data"])
    assert sum(float(i.total) for i in listed(revenue["link"])) == in_chart == float(revenue["total"])
    signups = response.context["signups_chart"]
    assert listed(signups["link"]).count() == signups["total"] == Tenant.objects.count()
    axis = json.loads(signups["options"])["scales"]["y"]
    assert axis["ticks"]["precision"] == 0 and axis["min"] == 0  # whole companies, never below 0
