"""The control panel's activity log: labels, actors, object links, diffs, filters, read-only."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_admin.tests.test_panel_ux import _visible_text
from tenancy.models import ActivityLog, TenantStatus
from tenancy.services.tenants import tenant_suspend
from tenancy.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "admin:tenancy_activitylog_changelist"


def _list(client, query: str = "") -> str:
    response = client.get(reverse(LIST) + query)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody"):html.index("</tbody>")]
    return re.findall(r"<tr.*?</tr>", body, flags=re.S)


def test_a_service_row_reads_as_words_with_actor_object_link_and_diff(admin_client, super_admin, tenant):
    tenant_suspend(tenant=tenant, actor=super_admin, reason="Unpaid for months")
    html = _list(admin_client(super_admin))
    text = _visible_text(html)
    assert "Company suspended" in text
    assert "tenant.suspended" not in text  # the label, not the code
    assert super_admin.email in text
    assert f'href="{reverse("admin:tenancy_tenant_change", args=[tenant.pk])}"' in html
    assert "Changes {}" not in text
    assert "Status: Active → Suspended" in text
    assert "Suspension reason: — → Unpaid for months" in text


def test_the_system_actor_and_an_empty_diff_show_nothing_made_up(admin_client, super_admin, tenant):
    ActivityLog.objects.create(tenant=tenant, actor=None, actor_label="system", verb="subscription.renewed",
                               object_type="billing.subscription", object_id="999999", object_repr="Gone sub")
    html = _list(admin_client(super_admin))
    (row,) = _rows(html)
    text = _visible_text(row)
    assert "System" in text
    assert "Subscription renewed" in text
    assert "Gone sub" in text and "/admin/billing/subscription/999999/" not in row  # gone: plain text
    assert "{}" not in text and "→" not in text


def test_a_deleted_actor_keeps_its_email(admin_client, super_admin, tenant):
    ActivityLog.objects.create(tenant=tenant, actor=None, actor_label="gone@example.com", verb="task.created")
    assert "gone@example.com" in _visible_text(_list(admin_client(super_admin)))


def test_dates_are_formatted_in_the_platform_time_zone(admin_client, super_admin, tenant, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    at = datetime.datetime(2026, 11, 27, 20, 3, 23, 834432, tzinfo=datetime.UTC)
    ActivityLog.objects.create(tenant=tenant, verb="tenant.approved", created_at=at)
    text = _visible_text(_list(admin_client(super_admin)))
    assert "Nov. 27, 2026, 9:03 p.m." in text
    assert "2026-11-27 20:03" not in text


def test_filters_by_company_actor_verb_and_date(admin_client, super_admin, tenant, other_tenant, tenant_admin):
    now = timezone.now()
    ActivityLog.objects.create(tenant=tenant, actor=tenant_admin, actor_label=tenant_admin.email,
                               verb="task.created", object_repr="Mine", created_at=now)
    ActivityLog.objects.create(tenant=other_tenant, verb="tenant.approved", object_repr="Theirs",
                               created_at=now - datetime.timedelta(days=40))
    client = admin_client(super_admin)

    def reprs(query):
        return {r for r in ("Mine", "Theirs") if r in _visible_text(_list(client, query))}

    assert reprs("") == {"Mine", "Theirs"}
    assert reprs(f"?tenant__id__exact={tenant.pk}") == {"Mine"}
    assert reprs(f"?actor__id__exact={tenant_admin.pk}") == {"Mine"}
    assert reprs("?verb__exact=tenant.approved") == {"Theirs"}
    since = timezone.localdate() - datetime.timedelta(days=3)
    assert reprs(f"?created_at_from={since:%Y-%m-%d}") == {"Mine"}
    assert reprs(f"?created_at_to={since:%Y-%m-%d}") == {"Theirs"}


def test_the_log_is_read_only(admin_client, super_admin, tenant):
    entry = ActivityLog.objects.create(tenant=tenant, verb="tenant.approved", object_type="tenancy.tenant",
                                       object_id=str(tenant.pk), changes={"status": ["PENDING", "ACTIVE"]})
    client = admin_client(super_admin)
    assert client.get(reverse("admin:tenancy_activitylog_add")).status_code == 403
    assert client.post(reverse("admin:tenancy_activitylog_delete", args=[entry.pk])).status_code == 403
    page = client.get(reverse("admin:tenancy_activitylog_change", args=[entry.pk]))
    assert page.status_code == 200
    text = _visible_text(page.content.decode())
    assert "Company approved" in text and "Status: Pending approval → Active" in text and "IP address" in text
    client.post(reverse("admin:tenancy_activitylog_change", args=[entry.pk]), {"verb": "tenant.rejected"})
    entry.refresh_from_db()
    assert entry.verb == "tenant.approved"
    assert 'name="_save"' not in page.content.decode()


def test_object_links_cost_one_query_per_kind_not_per_row(admin_client, super_admin, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = admin_client(super_admin)

    def grow(count):
        for _ in range(count):
            company = TenantFactory(status=TenantStatus.ACTIVE)
            user = UserFactory(tenant=company)
            ActivityLog.objects.create(tenant=company, actor=user, actor_label=user.email, verb="tenant.approved",
                                       object_type="tenancy.tenant", object_id=str(company.pk),
                                       object_repr=company.name)
            ActivityLog.objects.create(tenant=company, actor=user, actor_label=user.email, verb="member.updated",
                                       object_type="tenancy.user", object_id=str(user.pk), object_repr=user.email)

    grow(3)
    with CaptureQueriesContext(connection) as few:
        _list(client)
    grow(20)
    with CaptureQueriesContext(connection) as many:
        html = _list(client)
    assert len(few) == len(many)
    assert html.count('class="activity-object') == 46


def test_structured_values_render_as_text(admin_client, super_admin, tenant):
    ActivityLog.objects.create(tenant=tenant, verb="task.updated", object_type="work.task", object_id="1",
                               changes={"labels": [["a"], ["a", "b"]], "data": [{"x": 1}, None]})
    text = _visible_text(_list(admin_client(super_admin)))
    assert "['a'] → ['a', 'b']" in text.replace("&#x27;", "'")


def test_the_actor_filter_finds_people(admin_client, support, tenant_admin):
    response = admin_client(support).get(reverse("admin:autocomplete"), {
        "app_label": "tenancy", "model_name": "activitylog", "field_name": "actor", "term": tenant_admin.email[:5]})
    assert response.status_code == 200
    assert str(tenant_admin.pk) in {item["id"] for item in response.json()["results"]}


def test_an_object_staff_may_not_open_is_plain_text(client, support, super_admin, pending_payment):
    def admin_client(user):
        client.force_login(user)
        return client

    from tenancy.models import ActivityLog as Log

    entry = Log.objects.filter(object_type="billing.payment").first()
    assert entry is not None  # the submission's row
    html = _list(admin_client(support), f"?tenant__id__exact={pending_payment.tenant_id}")
    assert reverse("admin:billing_payment_change", args=[pending_payment.pk]) not in html  # Support: no payments
    assert reverse("admin:billing_invoice_change", args=[pending_payment.invoice_id]) not in html
    detail = admin_client(support).get(reverse("admin:tenancy_activitylog_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert reverse("admin:billing_payment_change", args=[pending_payment.pk]) not in detail.content.decode()
    owner_view = _list(admin_client(super_admin), f"?tenant__id__exact={pending_payment.tenant_id}")
    assert reverse("admin:billing_payment_change", args=[pending_payment.pk]) in owner_view
