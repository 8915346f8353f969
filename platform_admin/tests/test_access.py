"""Each staff group sees and acts only on its models; company users never enter."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BILLING = ["billing_payment", "billing_invoice", "billing_subscription", "billing_plan"]
SUPPORT_ONLY = ["tenancy_user", "work_team", "work_task"]


@pytest.mark.parametrize("model", BILLING)
def test_support_cannot_open_billing(admin_client, support, model):
    assert admin_client(support).get(reverse(f"admin:{model}_changelist")).status_code == 403


@pytest.mark.parametrize("model", SUPPORT_ONLY)
def test_finance_cannot_open_support_lists(admin_client, finance, model):
    assert admin_client(finance).get(reverse(f"admin:{model}_changelist")).status_code == 403


@pytest.mark.parametrize("model", ["tenancy_tenant", "tenancy_activitylog", *SUPPORT_ONLY])
def test_support_opens_its_lists(admin_client, support, model):
    assert admin_client(support).get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["tenancy_tenant", *BILLING])
def test_finance_opens_its_lists(admin_client, finance, model):
    assert admin_client(finance).get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_finance_reads_companies_without_changing_them(admin_client, finance, tenant):
    response = admin_client(finance).post(reverse("admin:tenancy_tenant_change", args=[tenant.pk]),
                                          {"name": "Renamed"})
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.name == "Alpha Ltd"


def test_the_sidebar_shows_each_group_its_own_sections(admin_client, support, finance):
    support_page = admin_client(support).get("/admin/").content.decode()
    assert reverse("admin:tenancy_tenant_changelist") in support_page
    assert reverse("admin:billing_payment_changelist") not in support_page
    finance_page = admin_client(finance).get("/admin/").content.decode()
    assert reverse("admin:billing_payment_changelist") in finance_page
    assert reverse("admin:tenancy_user_changelist") not in finance_page


def test_company_users_are_refused(client, tenant_admin):
    client.force_login(tenant_admin)
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("admin:billing_payment_changelist")).status_code == 302


def test_company_users_cannot_log_in(client, tenant_admin):
    from tenancy.tests.factories import TEST_PASSWORD

    assert tenant_admin.check_password(TEST_PASSWORD)  # the right password, still refused
    response = client.post("/admin/login/?next=/admin/", {"username": tenant_admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_company_user_with_a_stray_staff_flag_is_still_refused(client, tenant_admin):
    tenant_admin.is_staff = True
    tenant_admin.save(update_fields=["is_staff"])
    client.force_login(tenant_admin)
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("admin:tenancy_tenant_changelist")).status_code == 302


def test_the_allowlist_refuses_other_addresses(admin_client, finance, settings):
    settings.ADMIN_ALLOWED_IPS = ["10.0.0.0/8"]
    client = admin_client(finance)
    assert client.get(reverse("admin:billing_payment_changelist"), REMOTE_ADDR="192.168.1.9").status_code == 403
    assert client.get(reverse("admin:billing_payment_changelist"), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_work_is_read_only(admin_client, support):
    from work.models import Team

    client = admin_client(support)
    assert client.get(reverse("admin:work_team_add")).status_code == 403
    assert Team.objects.count() == 0


PAGES = ["/admin/", "/admin/tenancy/tenant/", "/admin/tenancy/user/", "/admin/tenancy/activitylog/",
         "/admin/billing/payment/", "/admin/billing/payment/?verification=all", "/admin/billing/invoice/",
         "/admin/billing/subscription/", "/admin/billing/plan/", "/admin/work/team/", "/admin/work/task/",
         "/admin/billing/payment/export/", "/admin/tenancy/tenant/export/"]


def test_every_page_opens_on_the_demo_data(admin_client):
    from django.core.management import call_command

    from billing.models import Invoice, Payment
    from tenancy.models import Tenant, User

    call_command("seed_demo")
    owner = User.objects.get(email="owner@saasplatform.com")
    client = admin_client(owner)
    payment, invoice = Payment.objects.first(), Invoice.objects.exclude(number=None).first()
    pages = [*PAGES, f"/admin/billing/payment/{payment.pk}/change/", f"/admin/billing/invoice/{invoice.pk}/change/",
             f"/admin/tenancy/tenant/{Tenant.objects.get(slug='acme').pk}/change/"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert client.get(f"/admin/billing/invoice/{invoice.pk}/pdf/").content.startswith(b"%PDF")


@pytest.mark.mariadb
def test_the_paginator_reads_table_statistics_on_mysql(db, monkeypatch, django_assert_num_queries):
    from platform_admin import paginator
    from tenancy.models import Tenant
    from tenancy.tests.factories import TenantFactory

    TenantFactory(), TenantFactory()
    monkeypatch.setattr(paginator, "COUNT_CAP", 1)
    monkeypatch.setattr(paginator, "_estimated_rows", lambda queryset: 1_000_000)
    with django_assert_num_queries(1) as context:  # the bounded count; the estimate is stubbed here
        assert paginator.LargeTablePaginator(Tenant.objects.order_by("pk"), 10).count == 1_000_000
    assert "LIMIT" in context.captured_queries[0]["sql"].upper()
    monkeypatch.undo()
    monkeypatch.setattr(paginator, "COUNT_CAP", 1)
    estimate = paginator._estimated_rows(Tenant.objects.all())
    assert isinstance(estimate, int)
    # A filtered list never uses the table's statistics.
    assert paginator.LargeTablePaginator(Tenant.objects.filter(slug__startswith="").order_by("pk"), 10).count == 2
