"""Every action URL posted directly by a staff user of the wrong group: refused, nothing changes."""

import pytest
from django.urls import reverse

from billing.models import VerificationStatus
from tenancy.models import TenantStatus
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["bulk_approve", "bulk_reject", "bulk_suspend", "bulk_reactivate"])
def test_finance_bulk_actions_on_companies_change_nothing(admin_client, finance, action):
    pending, active = TenantFactory(status=TenantStatus.PENDING), TenantFactory(status=TenantStatus.ACTIVE)
    admin_client(finance).post(reverse("admin:tenancy_tenant_changelist"), {
        "action": action, "_selected_action": [pending.pk, active.pk], "apply": "1", "reason": "x"})
    pending.refresh_from_db()
    active.refresh_from_db()
    assert (pending.status, active.status) == (TenantStatus.PENDING, TenantStatus.ACTIVE)


@pytest.mark.parametrize("action", ["bulk_verify", "bulk_reject"])
def test_support_bulk_actions_on_payments_are_refused(admin_client, support, pending_payment, action):
    response = admin_client(support).post(reverse("admin:billing_payment_changelist"), {
        "action": action, "_selected_action": [pending_payment.pk], "apply": "1", "reason": "x"})
    assert response.status_code == 403
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.PENDING


def test_finance_bulk_deactivate_of_users_is_refused(admin_client, finance, member):
    response = admin_client(finance).post(reverse("admin:tenancy_user_changelist"), {
        "action": "bulk_deactivate", "_selected_action": [member.pk]})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active


def test_support_cannot_create_an_invoice(admin_client, support, tenant):
    response = admin_client(support).post(reverse("admin:billing_invoice_create_invoice"), {
        "_form_submitted": "1", "tenant": tenant.pk, "description": "Workshop", "quantity": "1",
        "unit_price": "10.00", "currency": "USD", "issue_now": "on"})
    assert response.status_code == 403 and not tenant.invoices.exists()


def test_finance_cannot_create_a_company(admin_client, finance):
    response = admin_client(finance).post(reverse("admin:tenancy_tenant_create_tenant"), {
        "_form_submitted": "1", "name": "Gamma", "subdomain": "gamma", "contact_email": "g@gamma.example"})
    assert response.status_code == 403


def test_support_cannot_import_plans(admin_client, support, plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client(support).post(reverse("admin:billing_plan_import"), {
        "resource": "0", "format": "0", "import_file": SimpleUploadedFile("plans.csv", b"code,name\npro,Cheap\n")})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.name == "Professional"


@pytest.mark.parametrize("name", ["admin:platform_admin_systemsetting_changelist",
                                  "admin:platform_admin_systemsetting_add", "admin:auth_group_changelist"])
def test_only_the_superuser_opens_platform_settings(admin_client, support, finance, super_admin, name):
    assert admin_client(support).get(reverse(name)).status_code == 403
    assert admin_client(finance).get(reverse(name)).status_code == 403
    assert admin_client(super_admin).get(reverse(name)).status_code in (200, 302)


def test_support_cannot_change_system_settings(admin_client, support):
    from platform_admin.models import SystemSetting

    response = admin_client(support).post(reverse("admin:platform_admin_systemsetting_add"), {"grace_days": "1"})
    assert response.status_code == 403 and not SystemSetting.objects.exists()


def test_detail_actions_follow_the_state(admin_client, finance, support, pending_payment, open_invoice):
    """The page offers only the actions that can apply; the services refuse the rest anyway."""
    client = admin_client(finance)
    page = client.get(reverse("admin:billing_payment_change", args=[pending_payment.pk])).content.decode()
    assert "/verify/" in page and "/reject/" in page
    invoice_page = client.get(reverse("admin:billing_invoice_change", args=[open_invoice.pk])).content.decode()
    assert "/mark-paid/" in invoice_page and "/void/" in invoice_page and "/issue/" not in invoice_page
    client.post(reverse("admin:billing_payment_row_verify", args=[pending_payment.pk]), {"_form_submitted": "1"})
    page = client.get(reverse("admin:billing_payment_change", args=[pending_payment.pk])).content.decode()
    assert "/verify/" not in page and "/reject/" not in page
    invoice_page = client.get(reverse("admin:billing_invoice_change", args=[open_invoice.pk])).content.decode()
    assert "/pdf/" in invoice_page and "/mark-paid/" not in invoice_page
    assert "/void/" in invoice_page  # a paid invoice is voided by a credit note

    pending = TenantFactory(status=TenantStatus.PENDING)
    page = admin_client(support).get(reverse("admin:tenancy_tenant_change", args=[pending.pk])).content.decode()
    assert "/approve/" in page and "/reject/" in page and "/suspend/" not in page and "/reactivate/" not in page


def test_a_pdf_proof_is_previewed_as_an_image_to_staff_only(admin_client, finance, support, pending_payment):
    url = reverse("admin:billing_payment_proof", args=[pending_payment.pk])
    preview = admin_client(finance).get(url + "?preview=1")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert preview["Content-Disposition"].startswith("inline")
    assert "sandbox" in preview["Content-Security-Policy"]
    # The PDF itself is never inline on the control panel's origin.
    raw = admin_client(finance).get(url + "?inline=1")
    assert raw["Content-Disposition"].startswith("attachment") and raw["Content-Type"] == "application/pdf"
    assert admin_client(support).get(url + "?preview=1").status_code == 403
