"""History rows (simple-history) name the person a service acted for and say why, through `change_reason`.

A service's actor is the history user whether or not a request is around (the API, the control panel, a
job acting for someone); the system actor (the billing cycle, the domain job) leaves it empty, shown as
"System", even when a request happens to run the job.
"""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone
from simple_history.models import HistoricalRecords

from billing.conf import billing_settings
from billing.models import Invoice, InvoiceKind, InvoiceLine, SubscriptionStatus
from billing.services.cycle import billing_cycle_run_for_tenant
from billing.services.invoices import invoice_create, invoice_void
from billing.services.settlement import invoice_mark_paid
from billing.services.subscriptions import subscription_update
from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, manual_invoice
from platform_admin.models import SystemSetting
from tenancy import dns as tenancy_dns
from tenancy.audit import AuditVerb
from tenancy.exceptions import InvalidTransition
from tenancy.models import ActivityLog, Domain, DomainStatus, TenantSettings, TenantStatus, User
from tenancy.services.common import model_update
from tenancy.services.domains import domain_add, domain_remove, domain_staff_save, domain_verify
from tenancy.services.members import invitation_accept, invitation_create, member_update
from tenancy.services.tenants import tenant_approve, tenant_register, tenant_suspend
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

S = SubscriptionStatus


def latest(obj):
    return obj.history.latest("history_date")


@contextlib.contextmanager
def request_by(user):
    """Run the block as if inside a request by `user` (simple-history's middleware sets this context)."""
    request = RequestFactory().get("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def test_a_staff_approval_records_the_staff_member_outside_any_request(super_admin):
    tenant = TenantFactory(status=TenantStatus.PENDING)
    tenant_approve(tenant=tenant, actor=super_admin)
    row = latest(tenant)
    assert (row.history_user, row.history_change_reason) == (super_admin, "approved")


def test_a_system_change_leaves_the_history_user_empty_even_inside_a_staff_request(tenant, super_admin):
    with request_by(super_admin):
        tenant_suspend(tenant=tenant, actor=None, reason="Unpaid", for_nonpayment=True)
    row = latest(tenant)
    assert row.history_user is None and row.history_change_reason == "suspended: Unpaid"


def test_api_changes_record_the_user_behind_the_token(api, tenant, tenant_admin, member):
    assert api(member).patch("/api/auth/profile/", {"first_name": "Zed"}, format="json").status_code == 200
    row = latest(member)
    assert (row.first_name, row.history_user, row.history_change_reason) == ("Zed", member, "profile changed")
    response = api(tenant_admin).patch(f"/api/tenants/members/{member.pk}/", {"role": "MANAGER"}, format="json")
    assert response.status_code == 200
    row = latest(member)
    assert (row.role, row.history_user, row.history_change_reason) == ("MANAGER", tenant_admin, "role: Manager")
    response = api(tenant_admin).patch("/api/tenants/settings/", {"locale": "de-de"}, format="json")
    assert response.status_code == 200
    row = latest(TenantSettings.objects.get(tenant=tenant))
    assert (row.history_user, row.history_change_reason) == (tenant_admin, "settings changed")


def test_member_update_saves_only_what_changed_through_model_update(tenant, tenant_admin, member):
    member_update(tenant=tenant, actor=tenant_admin, member=member, role="MANAGER", is_active=False)
    row = latest(member)
    assert (row.role, row.is_active) == ("MANAGER", False)
    assert (row.history_user, row.history_change_reason) == (tenant_admin, "role: Manager; deactivated")
    count = member.history.count()
    member_update(tenant=tenant, actor=tenant_admin, member=member, role="MANAGER", is_active=False)
    assert member.history.count() == count  # nothing changed: no save, no history row


def test_model_update_records_reason_and_actor(tenant, super_admin):
    model_update(tenant, {"name": "Acme Ltd"}, allowed=("name",), actor=super_admin, reason="renamed")
    row = latest(tenant)
    assert (row.name, row.history_user, row.history_change_reason) == ("Acme Ltd", super_admin, "renamed")


def test_domain_saves_carry_reasons_and_the_actor(tenant, tenant_admin, super_admin, monkeypatch):
    domain = domain_add(tenant=tenant, actor=tenant_admin, host="app.alpha-corp.example")
    row = latest(domain)
    assert (row.history_user, row.history_change_reason) == (tenant_admin, "added, awaiting DNS verification")

    monkeypatch.setattr(tenancy_dns, "txt_records", lambda name: [])
    domain_verify(tenant=tenant, actor=None, domain=domain)  # the job: nothing published yet
    row = latest(domain)
    assert (row.history_user, row.history_change_reason) == (None, "not verified: txt_record_missing")
    monkeypatch.setattr(tenancy_dns, "txt_records", lambda name: [f"saas-verification={domain.verification_token}"])
    domain_verify(tenant=tenant, actor=tenant_admin, domain=domain)
    row = latest(domain)
    assert (row.status, row.history_user, row.history_change_reason) == (DomainStatus.ACTIVE, tenant_admin,
                                                                         "verified")

    domain_staff_save(tenant=tenant, actor=super_admin, domain=domain, host=domain.host, is_primary=True,
                      status=DomainStatus.ACTIVE)
    assert (latest(domain).history_user, latest(domain).history_change_reason) == (super_admin, "changed by staff")
    subdomain = Domain.objects.get(tenant=tenant, is_primary=False)
    assert (latest(subdomain).history_user,
            latest(subdomain).history_change_reason) == (super_admin, "another domain made primary by staff")

    other = domain_add(tenant=tenant, actor=tenant_admin, host="www.alpha-corp.example")
    domain_remove(tenant=tenant, actor=tenant_admin, domain=other)
    row = Domain.history.filter(id=other.pk).latest("history_date")
    assert (row.history_type, row.history_user, row.history_change_reason) == ("-", tenant_admin, "removed")


def test_a_sign_up_gives_the_subdomain_and_settings_a_reason(db):
    tenant_register(company_name="Gamma", subdomain="gamma", email="ann@gamma.example", password="A-long-pass-123",
                    first_name="Ann", last_name="Lee")
    domain = Domain.objects.get(host__startswith="gamma.")
    assert (latest(domain).history_user, latest(domain).history_change_reason) == (None, "company signed up")
    settings_row = TenantSettings.objects.get(tenant=domain.tenant)
    assert latest(settings_row).history_change_reason == "company signed up"
    user = User.objects.get(email="ann@gamma.example")
    assert user.check_password("A-long-pass-123") and user.tenant == domain.tenant
    assert list(user.history.values_list("history_type", "history_user", "history_change_reason")) == [
        ("+", None, "signed up")]  # nobody was logged in: the system


def test_an_accepted_invitation_records_the_new_user_as_the_history_user(tenant, tenant_admin):
    _invitation, token = invitation_create(tenant=tenant, actor=tenant_admin, email="Bo@Alpha.example",
                                           role="MEMBER")
    user = invitation_accept(token=token, password="a-long-enough-password-1", first_name="Bo")
    assert (user.email, user.tenant, user.role) == ("bo@alpha.example", tenant, "MEMBER")
    assert user.check_password("a-long-enough-password-1")
    assert list(user.history.values_list("history_type", "history_user", "history_change_reason")) == [
        ("+", user.pk, "joined by invitation")]


def test_invoice_drafts_and_their_lines_carry_the_reason_and_actor(tenant, super_admin):
    invoice = invoice_create(tenant=tenant, actor=super_admin,
                             lines=[{"description": "Setup", "quantity": 1, "unit_price": "50.00"},
                                    {"description": "Training", "quantity": 2, "unit_price": "30.00"}])
    row = latest(invoice)
    assert (row.history_user, row.history_change_reason) == (super_admin, "draft created")
    lines = InvoiceLine.history.filter(invoice_id=invoice.pk)
    assert sorted(lines.values_list("description", "history_change_reason", "history_user_id")) == [
        ("Setup", "draft created", super_admin.pk), ("Training", "draft created", super_admin.pk)]


def test_a_credit_note_and_its_lines_carry_the_reason(tenant, super_admin):
    invoice = manual_invoice(tenant)
    invoice_mark_paid(tenant=tenant, actor=super_admin, invoice=invoice)
    invoice_void(tenant=tenant, actor=super_admin, invoice=invoice, reason="Billed twice")
    credit = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice)
    reason = f"credit note for invoice {invoice.number}"
    assert (latest(credit).history_user, latest(credit).history_change_reason) == (super_admin, reason)
    lines = list(InvoiceLine.history.filter(invoice_id=credit.pk).values_list("history_change_reason", "amount"))
    assert lines == [(reason, -invoice.total)]


def test_the_billing_cycle_leaves_the_history_user_empty(tenant, super_admin):
    today = timezone.localdate()
    invoice = issued_invoice(tenant=tenant, due_on=today + datetime.timedelta(days=2))
    with request_by(super_admin):  # e.g. staff ran the cycle from a page
        billing_cycle_run_for_tenant(tenant=tenant, on=today)
    row = latest(invoice)
    assert row.due_soon_notified_on == today
    assert (row.history_user, row.history_change_reason) == (None, "due soon reminder sent")


def test_system_settings_saves_name_the_changed_fields(admin_client, super_admin):
    client = admin_client(super_admin)
    client.post("/admin/platform_admin/systemsetting/add/", {"issuer_name": "P", "renewal_lead_days": "3"})
    row = SystemSetting.objects.get()
    assert (latest(row).history_user, latest(row).history_change_reason) == (super_admin, "created")
    response = client.post(f"/admin/platform_admin/systemsetting/{row.pk}/change/",
                           {"issuer_name": "Platform GmbH", "renewal_lead_days": "3", "grace_days": "9"})
    assert response.status_code == 302
    assert latest(row).history_change_reason == "changed: issuer name, grace period (days)"


def _status_rows(subscription):
    """The subscription's history, oldest first: (status, history user id, change reason)."""
    return list(subscription.history.order_by("history_date", "history_id")
                .values_list("status", "history_user_id", "history_change_reason"))


def test_the_cycle_saves_its_status_changes_with_a_reason_as_the_system(super_admin):
    today = timezone.localdate()
    ended = today - datetime.timedelta(days=1)
    grace = billing_settings().grace_days
    leaving = SubscriptionFactory(cancel_at_period_end=True, current_period_start=ended - datetime.timedelta(days=30),
                                  current_period_end=ended)
    unpaid = SubscriptionFactory(current_period_start=ended - datetime.timedelta(days=30), current_period_end=ended)
    with request_by(super_admin):  # staff running the cycle from a page changes nothing
        for subscription in (leaving, unpaid):
            billing_cycle_run_for_tenant(tenant=subscription.tenant, on=today)
        billing_cycle_run_for_tenant(tenant=unpaid.tenant, on=today + datetime.timedelta(days=grace))
    leaving.refresh_from_db()
    unpaid.refresh_from_db()
    assert (leaving.status, leaving.ended_on) == (S.CANCELLED, ended)
    assert _status_rows(leaving)[1:] == [(S.CANCELLED, None, "ended at period end")]
    assert (unpaid.status, unpaid.past_due_since, unpaid.expired_on) == (
        S.EXPIRED, today, today + datetime.timedelta(days=grace))
    assert _status_rows(unpaid)[1:] == [(S.PAST_DUE, None, "past due"), (S.EXPIRED, None, "expired unpaid")]


def test_a_free_renewal_moves_the_period_on_and_takes_the_next_plan(db):
    today = timezone.localdate()
    free, other_free = PlanFactory(code="free", price=Decimal("0")), PlanFactory(code="free2", price=Decimal("0"))
    subscription = SubscriptionFactory(plan=free, next_plan=other_free, current_period_end=today,
                                       current_period_start=today - datetime.timedelta(days=30))
    billing_cycle_run_for_tenant(tenant=subscription.tenant, on=today)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.plan, subscription.next_plan) == (S.ACTIVE, other_free, None)
    assert subscription.current_period_start == today and subscription.current_period_end > today
    assert _status_rows(subscription)[1:] == [(S.ACTIVE, None, "free plan renewed")]


def test_a_paid_invoice_renews_a_past_due_subscription_for_the_staff_member(super_admin):
    subscription = SubscriptionFactory(status=S.PAST_DUE, past_due_since=timezone.localdate())
    invoice = issued_invoice(subscription=subscription)
    invoice_mark_paid(tenant=subscription.tenant, actor=super_admin, invoice=invoice)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.past_due_since) == (S.ACTIVE, None)
    assert (subscription.current_period_start, subscription.current_period_end) == (invoice.period_start,
                                                                                     invoice.period_end)
    assert _status_rows(subscription)[-1] == (S.ACTIVE, super_admin.pk, f"invoice {invoice.number} paid")


def test_a_refused_subscription_update_changes_and_records_nothing(super_admin):
    subscription = SubscriptionFactory(status=S.CANCELLED)
    rows, history = ActivityLog.objects.count(), subscription.history.count()
    with pytest.raises(InvalidTransition):
        subscription_update(subscription=subscription, actor=super_admin, verb=AuditVerb.SUBSCRIPTION_RENEWED,
                            changes={"status": S.ACTIVE, "past_due_since": timezone.localdate()}, reason="renewed")
    assert (subscription.status, subscription.past_due_since) == (S.CANCELLED, None)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.past_due_since) == (S.CANCELLED, None)
    assert (ActivityLog.objects.count(), subscription.history.count()) == (rows, history)
