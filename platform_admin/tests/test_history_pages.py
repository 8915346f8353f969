"""History pages (simple-history) tell the truth: reasons from the services, formatted dates, no revert."""

import datetime

import pytest
from django.urls import reverse

from billing.services.payments import payment_verify
from platform_admin.tests.test_panel_ux import _visible_text
from tenancy.audit import CHANGE_REASON_MAX_LENGTH
from tenancy.models import Tenant, TenantStatus
from tenancy.services.members import member_update
from tenancy.services.tenants import tenant_reactivate, tenant_suspend

pytestmark = pytest.mark.django_db


def _history(client, tenant) -> str:
    response = client.get(reverse("admin:tenancy_tenant_history", args=[tenant.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_company_history_has_reasons_actor_and_formatted_dates(admin_client, super_admin, tenant, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    tenant_suspend(tenant=tenant, actor=super_admin, reason="Chargeback on the last invoice")
    tenant_reactivate(tenant=tenant, actor=None)
    html = _history(admin_client(super_admin), tenant)
    text = _visible_text(html)
    assert "suspended: Chargeback on the last invoice" in text
    assert "reactivated" in text
    assert "System" in text  # the reactivation had no person behind it
    assert super_admin.email in text
    latest = tenant.history.latest("history_date").history_date
    from django.utils import timezone
    from django.utils.formats import date_format

    assert date_format(timezone.localtime(latest), "DATETIME_FORMAT") in text
    assert "+00:00" not in text and not any(f"{latest:%Y-%m-%d %H:%M}" in t for t in [text])
    assert "Status: Active → Suspended" in text  # choice labels, old → new
    assert ">None<" not in html and " None " not in text


def test_an_empty_foreign_key_shows_empty_not_a_deleted_user(admin_client, super_admin, tenant):
    tenant_suspend(tenant=tenant, actor=super_admin, reason="Abuse")  # suspended_by: empty -> the owner
    tenant_reactivate(tenant=tenant, actor=super_admin)
    text = _visible_text(_history(admin_client(super_admin), tenant))
    assert "Deleted" not in text and "pk=None" not in text
    assert f"Suspended by: — → {super_admin.email}" in text


def test_a_long_reason_is_cut_to_the_column(tenant, super_admin):
    tenant_suspend(tenant=tenant, actor=super_admin, reason="x" * 500)
    reason = tenant.history.latest("history_date").history_change_reason
    assert reason.startswith("suspended: xxx") and len(reason) == CHANGE_REASON_MAX_LENGTH


def test_payment_and_user_changes_carry_their_reasons(pending_payment, super_admin, tenant, tenant_admin, member):
    payment_verify(tenant=tenant, actor=super_admin, payment=pending_payment)
    assert pending_payment.history.latest("history_date").history_change_reason == "payment verified"
    member_update(tenant=tenant, actor=tenant_admin, member=member, role="MANAGER")
    assert member.history.latest("history_date").history_change_reason == "role: Manager"


def test_no_revert_on_a_service_owned_company(admin_client, super_admin, tenant):
    tenant_suspend(tenant=tenant, actor=super_admin, reason="Abuse")
    client = admin_client(super_admin)
    html = _history(client, tenant)
    assert "revert" not in _visible_text(html).lower()
    first = tenant.history.earliest("history_date")
    url = reverse("admin:tenancy_tenant_simple_history", args=[tenant.pk, first.history_id])
    assert client.get(url).status_code == 403  # the version page is the revert form: there is none
    assert client.post(url, {"name": tenant.name, "status": TenantStatus.ACTIVE, "_save": "Revert"}).status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.SUSPENDED


@pytest.mark.parametrize("model", ["tenancy_tenant", "tenancy_user", "billing_subscription", "billing_payment",
                                   "billing_invoice", "billing_plan"])
def test_no_model_offers_revert(admin_client, super_admin, pending_payment, model):
    from django.apps import apps

    app_label, model_name = model.split("_", 1)
    obj = apps.get_model(app_label, model_name).objects.order_by("pk").first()
    record = obj.history.earliest("history_date")
    client = admin_client(super_admin)
    assert "Revert" not in _visible_text(client.get(reverse(f"admin:{model}_history", args=[obj.pk])).content.decode())
    url = reverse(f"admin:{model}_simple_history", args=[obj.pk, record.history_id])
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


def test_the_history_of_a_missing_object_is_a_404(admin_client, super_admin, tenant):
    client = admin_client(super_admin)
    assert client.get(reverse("admin:tenancy_tenant_history", args=[999999])).status_code == 404
    assert client.get(reverse("admin:tenancy_tenant_simple_history", args=[999999, 1])).status_code == 404


def test_dates_on_the_history_page_use_the_platform_time_zone(admin_client, super_admin, tenant, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    tenant.history.update(history_date=datetime.datetime(2026, 11, 27, 20, 3, 23, 834432, tzinfo=datetime.UTC))
    text = _visible_text(_history(admin_client(super_admin), tenant))
    assert "Nov. 27, 2026, 9:03 p.m." in text
    assert "20:03:23" not in text
