"""Every state-changing service writes its own audit row: exactly one per successful call, none when refused.

Each case builds its objects, runs the service once and compares the rows it wrote (verb, actor,
object, diff) with the expected ones; then, where the service has a refusal, it runs a refused call
and asserts that no row was added. `test_every_service_is_walked` keeps the list complete: a new
public function in a services module must appear here or in NOT_STATE_CHANGING with a reason.
"""

import datetime
import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.conf import billing_settings
from billing.models import SubscriptionStatus
from billing.services import cycle, invoices, payments, plans, reconciliation, settlement, subscriptions
from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, manual_invoice, pdf_upload
from platform_admin import services as platform_services
from tenancy import audit, limits
from tenancy import dns as tenancy_dns
from tenancy.crypto import redacted
from tenancy.exceptions import ServiceError
from tenancy.models import ActivityLog, Role, TenantStatus
from tenancy.services import auth, domains, exports, members, notifications, tenants
from tenancy.tests.factories import StaffFactory, TenantFactory, UserFactory
from work.models import TaskStatus, TeamRole
from work.services import attachments, comments, tasks, teams
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory, TeamFactory, make_member

SERVICE_PACKAGES = ("tenancy.services", "billing.services", "work.services")
SERVICE_MODULES = ("platform_admin.services",)

# Public service functions that change no audited state, and why.
NOT_STATE_CHANGING = {
    "tenancy.services.checks.subdomain_check": "validation",
    "tenancy.services.checks.tenant_host": "pure",
    "tenancy.services.checks.password_check": "validation",
    "tenancy.services.checks.email_check": "validation",
    "tenancy.services.tenants.tenant_admins": "read",
    "tenancy.services.notifications.notify": "a side effect of an audited action",
    "tenancy.services.notifications.notification_mark_read": "personal read state, not audited",
    "tenancy.services.notifications.notification_mark_all_read": "personal read state, not audited",
    "tenancy.services.auth.user_revoke_tokens": "part of password change, reset and deactivation",
    "work.services.activity.task_lock": "a row lock taken inside an audited write",
    "tenancy.services.common.model_update": "helper",
    "billing.services.invoices.money": "pure",
    "billing.services.invoices.invoice_totals": "pure",
    "billing.services.invoices.invoice_lock": "lock",
    "billing.services.invoices.invoice_refuse_transition": "check",
    "billing.services.invoices.invoice_refuse_if_payment_pending": "check",
    "billing.services.settlement.invoice_settle_locked": "part of payment_verify and invoice_mark_paid",
    "billing.services.revenue.revenue_invoices": "read",
    "billing.services.revenue.revenue_month_of": "pure",
    "billing.services.revenue.revenue_recompute": "read",
    "billing.services.revenue.revenue_record": "a derived total, part of invoice_settle_locked and the credit "
                                               "note of invoice_void (audited there)",
    "billing.services.revenue.revenue_rebuild": "recomputes a derived table from the invoices (operator command)",
    "billing.services.subscriptions.add_period": "pure",
    "billing.services.subscriptions.lock_subscription": "lock",
    "billing.services.subscriptions.lock_open_invoices": "lock",
    "billing.services.subscriptions.subscription_set_status": "helper (the caller saves and audits)",
    "billing.services.subscriptions.subscription_refuse_transition": "check",
    "billing.services.subscriptions.subscription_update": "helper (audits for its callers, which are walked)",
    "billing.services.subscriptions.subscription_renewal_changes": "pure",
    "billing.services.subscriptions.subscription_audit": "helper",
    "billing.services.subscriptions.subscription_issue_period_invoice": "audited by invoice_issue",
    "billing.services.subscriptions.subscription_mark_pending_verification": "in payment_submit's diff",
    "billing.services.subscriptions.subscription_restore_after_rejection": "in payment_reject's diff",
    "billing.services.subscriptions.subscription_apply_paid_invoice": "audited as subscription.renewed "
                                                                      "(walked through payment_verify)",
    "billing.services.cycle.billing_cycle_tenant_ids": "read",
    "billing.services.cycle.billing_cycle_run": "walked by test_the_billing_cycle_acts_as_the_system_actor",
    "billing.services.cycle.billing_cycle_run_for_tenant": "walked by test_the_billing_cycle_acts_as_the_system_actor",
    "billing.services.limits.plan_limits_for_tenant": "read",
    "billing.services.limits.free_plan": "read",
    "billing.services.subscriptions.subscription_terms_for": "pure",
    "billing.services.documents.invoice_document_purpose": "pure",
    "billing.services.documents.invoice_document_schedule": "queues the PDF archive of an audited issue/payment/void",
    "billing.services.documents.invoice_document_archive": "stores the PDF of an audited issue/payment/void",
    "billing.services.documents.invoice_document_current": "read (archives a missing copy, see above)",
    "billing.services.documents.invoice_pdf_bytes": "read",
    "billing.services.reconciliation.line_hash": "pure",
    "billing.services.reconciliation.invoice_number_in": "pure",
    "billing.services.limits.subscription_grants_plan": "predicate",
    "work.services.attachments.delete_stored_files": "storage clean-up after commit",
    "work.services.activity.activity_add": "the task's own history (TaskActivity)",
    "work.services.members.member_release": "part of member_remove, audited there with its counts",
    "work.services.mentions.mention_tokens": "pure",
    "work.services.mentions.mentions_resolve": "read",
    "work.services.mentions.mentions_data": "pure",
    "work.services.mentions.mentions_notify": "a side effect of an audited task or comment change",
    "tenancy.services.members.register_member_release": "registry, at start-up",
    "tenancy.services.domains.is_custom_host": "pure",
    "tenancy.services.exports.export_download_check": "read",
    "tenancy.services.exports.exports_purge_expired": "housekeeping: deletes expired export files",
    "tenancy.services.domains.verification_record": "pure",
    "tenancy.services.domains.domain_staff_check": "validation (domain_staff_save asks it again)",
    "tenancy.services.domains.domain_remove_check": "validation (domain_remove asks it again)",
    "tenancy.services.tenants.tenant_settings_check": "validation (tenant_settings_update asks it again)",
    "tenancy.services.domains.domains_verify_pending": "the job: walks domain_verify (audited) per domain",
    "work.services.teams.limit_check_locked": "check",
    "platform_admin.services.user_send_password_reset": "sends an e-mail, changes nothing",
    "platform_admin.services.group_requires_second_factor": "predicate",
    "platform_admin.services.stored_files_cleanup": "housekeeping of unreferenced files",
}


@pytest.fixture(autouse=True)
def unlimited():
    saved = list(limits._policy)
    limits.register_policy(lambda tenant: {})
    yield
    limits._policy[:] = saved


def fresh(value):
    """Forget the rows written while preparing a refusal (e.g. by the first of two calls)."""
    ActivityLog.objects.all().delete()
    return value


def rows():
    return [(row.verb, row.actor_id, row.object_type, row.changes) for row in ActivityLog.objects.order_by("pk")]


class Case:
    """One service: `run(w)` performs the successful call; `refuse(w)` a refused one (or None)."""

    def __init__(self, name, run, expect, refuse=None):
        self.name, self.run, self.expect, self.refuse = name, run, expect, refuse


class World:
    """Objects a case needs, built lazily so that each case creates only its own."""

    def __init__(self):
        self.tenant = TenantFactory(name="Alpha", slug="alpha")
        self.admin = UserFactory(tenant=self.tenant, role=Role.TENANT_ADMIN, email="admin@alpha.example")
        self.staff = StaffFactory(email="staff@platform.example", is_superuser=True)

    def team(self):
        if not hasattr(self, "_team"):
            self._team = TeamFactory(tenant=self.tenant, name="Core")
            make_member(self._team, self.admin, TeamRole.MANAGER)
        return self._team


def _totp_device(w, *, confirmed=False):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=w.staff, name="Authenticator app", confirmed=confirmed)


def _other_staff_with_device():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = StaffFactory(email="lost-phone@platform.example", is_superuser=False)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def _totp_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{totp.token():0{device.digits}d}"


def _upload():
    return SimpleUploadedFile("notes.txt", b"plain text notes", content_type="text/plain")


def _invitation(w):
    invitation, token = members.invitation_create(tenant=w.tenant, actor=w.admin, email="new@alpha.example",
                                                  role=Role.MEMBER)
    ActivityLog.objects.all().delete()
    return invitation, token


def _team_invitation(w, team):
    invitee = UserFactory(tenant=w.tenant)
    invitation, token = teams.team_invitation_create(tenant=w.tenant, actor=w.admin, team=team,
                                                     email=invitee.email)
    ActivityLog.objects.all().delete()
    return invitee, invitation, token


def _subscription(w, **kwargs):
    return SubscriptionFactory(tenant=w.tenant, plan=PlanFactory(code="pro", price=Decimal("49.00")), **kwargs)


def _payment(w, invoice):
    payment = payments.payment_submit(tenant=w.tenant, actor=w.admin, invoice=invoice, amount=invoice.total,
                                      currency=invoice.currency, method="BANK_TRANSFER",
                                      paid_on=timezone.localdate(), proof=pdf_upload())
    ActivityLog.objects.all().delete()
    return payment


def _queued_export(w):
    export = exports.export_request(tenant=w.tenant, actor=w.admin)
    ActivityLog.objects.all().delete()
    return export


def _pending_domain(w):
    domain = domains.domain_add(tenant=w.tenant, actor=w.admin, host="app.alpha.example")
    ActivityLog.objects.all().delete()
    return domain


def _domain_verified(w):
    domain = _pending_domain(w)
    record = domains.verification_record(domain)
    original = tenancy_dns.txt_records
    tenancy_dns.txt_records = lambda name: [record["value"]] if name == record["name"] else []
    try:
        return domains.domain_verify(tenant=w.tenant, actor=w.admin, domain=domain)
    finally:
        tenancy_dns.txt_records = original


def _manual(w):
    invoice = manual_invoice(w.tenant)
    ActivityLog.objects.all().delete()
    return invoice


def _statement(reference: str, amount: str = "120.00"):
    data = f"Booking date,Amount,Currency,Reference,Counterparty\n{timezone.localdate()},{amount},USD,{reference},A\n"
    return SimpleUploadedFile("statement.csv", data.encode(), content_type="text/csv")


def _bank_line(w, *, matched: bool = True):
    reference = _manual(w).number if matched else "no number"
    statement = reconciliation.bank_statement_import(actor=w.staff, file=_statement(reference))
    ActivityLog.objects.all().delete()
    return statement.lines.get()


CASES = [
    # tenancy: companies
    Case("tenant_register",
         lambda w: tenants.tenant_register(company_name="Gamma", subdomain="gamma", email="boss@gamma.example",
                                           password="a-long-passphrase-2026"),
         lambda w, result: [("tenant.registered", result[1].pk, "tenancy.tenant",
                             {"name": [None, "Gamma"], "slug": [None, "gamma"], "status": [None, "PENDING"],
                              "contact_email": [None, "boss@gamma.example"]})],
         lambda w: tenants.tenant_register(company_name="Bad", subdomain="x", email="b@bad.example",
                                           password="a-long-passphrase-2026")),
    Case("tenant_create",
         lambda w: tenants.tenant_create(actor=w.staff, name="Delta", subdomain="delta",
                                         contact_email="d@delta.example"),
         lambda w, t: [("tenant.created", w.staff.pk, "tenancy.tenant",
                        {"name": [None, "Delta"], "slug": [None, "delta"], "status": [None, "ACTIVE"],
                         "contact_email": [None, "d@delta.example"]})],
         lambda w: tenants.tenant_create(actor=w.staff, name="Again", subdomain="alpha",
                                         contact_email="a@a.example")),
    Case("tenant_update",
         lambda w: tenants.tenant_update(tenant=w.tenant, actor=w.admin, name="Alpha Two", contact_phone=""),
         lambda w, t: [("tenant.updated", w.admin.pk, "tenancy.tenant", {"name": ["Alpha", "Alpha Two"]})]),
    Case("tenant_approve",
         lambda w: tenants.tenant_approve(tenant=TenantFactory(status=TenantStatus.PENDING), actor=w.staff),
         lambda w, t: [("tenant.approved", w.staff.pk, "tenancy.tenant", {"status": ["PENDING", "ACTIVE"]})],
         lambda w: tenants.tenant_approve(tenant=w.tenant, actor=w.staff)),
    Case("tenant_reject",
         lambda w: tenants.tenant_reject(tenant=TenantFactory(status=TenantStatus.PENDING), actor=w.staff,
                                         reason="Unknown company"),
         lambda w, t: [("tenant.rejected", w.staff.pk, "tenancy.tenant",
                        {"status": ["PENDING", "REJECTED"], "rejection_reason": ["", "Unknown company"]})],
         lambda w: tenants.tenant_reject(tenant=TenantFactory(status=TenantStatus.PENDING), actor=w.staff,
                                         reason=" ")),
    Case("tenant_suspend",
         lambda w: tenants.tenant_suspend(tenant=w.tenant, actor=w.staff, reason="Abuse"),
         lambda w, t: [("tenant.suspended", w.staff.pk, "tenancy.tenant",
                        {"status": ["ACTIVE", "SUSPENDED"], "suspension_reason": ["", "Abuse"]})],
         lambda w: tenants.tenant_suspend(tenant=w.tenant, actor=w.staff, reason="")),
    Case("tenant_reactivate",
         lambda w: tenants.tenant_reactivate(tenant=TenantFactory(status=TenantStatus.SUSPENDED,
                                                                  suspension_reason="Abuse"), actor=w.staff),
         lambda w, t: [("tenant.reactivated", w.staff.pk, "tenancy.tenant",
                        {"status": ["SUSPENDED", "ACTIVE"], "suspension_reason": ["Abuse", ""]})],
         lambda w: tenants.tenant_reactivate(tenant=w.tenant, actor=w.staff)),
    Case("tenant_settings_update",
         lambda w: tenants.tenant_settings_update(tenant=w.tenant, actor=w.admin, tax_id="DE1", legal_name="Alpha"),
         lambda w, row: [("tenant.settings_updated", w.admin.pk, "tenancy.tenantsettings",
                          {"tax_id": ["", redacted("DE1")]})],  # encrypted at rest: never plain in the log
         lambda w: tenants.tenant_settings_update(tenant=w.tenant, actor=w.staff, timezone="Mars/Olympus")),
    # tenancy: people
    Case("invitation_create",
         lambda w: members.invitation_create(tenant=w.tenant, actor=w.admin, email="New@Alpha.example",
                                             role=Role.MANAGER),
         lambda w, r: [("invitation.created", w.admin.pk, "tenancy.tenantinvitation",
                        {"email": [None, "new@alpha.example"], "role": [None, "MANAGER"]})],
         lambda w: members.invitation_create(tenant=w.tenant, actor=w.admin, email="admin@alpha.example",
                                             role=Role.MEMBER)),
    Case("invitation_revoke",
         lambda w: members.invitation_revoke(tenant=w.tenant, actor=w.admin, invitation=_invitation(w)[0]),
         lambda w, inv: [("invitation.revoked", w.admin.pk, "tenancy.tenantinvitation",
                          {"revoked_at": [None, inv.revoked_at.isoformat()]})],
         lambda w: members.invitation_revoke(tenant=w.tenant, actor=w.admin, invitation=fresh(members.invitation_revoke(
             tenant=w.tenant, actor=w.admin, invitation=_invitation(w)[0])))),
    Case("invitation_accept",
         lambda w: members.invitation_accept(token=_invitation(w)[1], password="a-long-passphrase-2026"),
         lambda w, user: [("invitation.accepted", user.pk, "tenancy.user",
                           {"email": [None, "new@alpha.example"], "role": [None, "MEMBER"]})],
         lambda w: members.invitation_accept(token="not-a-token", password="a-long-passphrase-2026")),
    Case("member_update",
         lambda w: members.member_update(tenant=w.tenant, actor=w.admin, member=UserFactory(tenant=w.tenant),
                                         role=Role.MANAGER),
         lambda w, m: [("member.updated", w.admin.pk, "tenancy.user", {"role": ["MEMBER", "MANAGER"]})],
         lambda w: members.member_update(tenant=w.tenant, actor=w.admin, member=w.admin, role=Role.MEMBER)),
    Case("member_remove",
         lambda w: members.member_remove(tenant=w.tenant, actor=w.admin, member=UserFactory(tenant=w.tenant)),
         lambda w, r: [("member.removed", w.admin.pk, "tenancy.user",
                        {"is_active": [True, False], "reassigned": [None, 0], "unassigned": [None, 0],
                         "teams_left": [None, 0]})],
         lambda w: members.member_remove(tenant=w.tenant, actor=w.admin, member=w.admin)),
    Case("tenant_admin_invite",
         lambda w: members.tenant_admin_invite(tenant=w.tenant, actor=w.staff, email="chief@alpha.example"),
         lambda w, r: [("invitation.created", w.staff.pk, "tenancy.tenantinvitation",
                        {"email": [None, "chief@alpha.example"], "role": [None, "TENANT_ADMIN"]})],
         lambda w: members.tenant_admin_invite(tenant=w.tenant, actor=w.admin, email="x@alpha.example")),
    Case("domain_add",
         lambda w: domains.domain_add(tenant=w.tenant, actor=w.admin, host="app.alpha.example"),
         lambda w, d: [("domain.added", w.admin.pk, "tenancy.domain",
                        {"host": [None, "app.alpha.example"], "status": [None, "PENDING"]})],
         lambda w: domains.domain_add(tenant=w.tenant, actor=w.admin, host="alpha.localhost")),
    Case("domain_staff_save",  # the control panel's domain inline: a new primary demotes the old one
         lambda w: domains.domain_staff_save(tenant=w.tenant, actor=w.staff, domain=None, host="www.alpha.example",
                                             is_primary=True, status="ACTIVE"),
         lambda w, d: [("domain.added", w.staff.pk, "tenancy.domain",
                        {"host": [None, "www.alpha.example"], "is_primary": [False, True], "status": [None, "ACTIVE"],
                         "demoted_primary": ["alpha.localhost", None]})],
         lambda w: domains.domain_staff_save(tenant=w.tenant, actor=w.staff, domain=None,  # taken
                                             host="alpha.localhost", is_primary=False, status="ACTIVE")),
    Case("domain_verify",
         lambda w: _domain_verified(w),
         lambda w, d: [("domain.verified", w.admin.pk, "tenancy.domain", {"status": ["PENDING", "ACTIVE"]})],
         lambda w: domains.domain_verify(tenant=TenantFactory(), actor=w.admin, domain=_pending_domain(w))),
    Case("domain_remove",
         lambda w: domains.domain_remove(tenant=w.tenant, actor=w.admin, domain=_pending_domain(w)),
         lambda w, r: [("domain.removed", w.admin.pk, "tenancy.domain", {"host": ["app.alpha.example", None]})],
         lambda w: domains.domain_remove(tenant=w.tenant, actor=w.admin, domain=w.tenant.domains.get())),
    Case("export_request",
         lambda w: exports.export_request(tenant=w.tenant, actor=w.admin),
         lambda w, e: [("export.requested", w.admin.pk, "tenancy.tenantexport", {"status": [None, "PENDING"]})],
         lambda w: exports.export_request(tenant=w.tenant, actor=UserFactory(tenant=w.tenant))),
    Case("export_build",
         lambda w: exports.export_build(tenant=w.tenant, export_id=_queued_export(w).pk),
         lambda w, e: [("export.ready", None, "tenancy.tenantexport",
                        {"status": ["RUNNING", "READY"], "size": [None, e.size]})],
         lambda w: exports.export_build(tenant=TenantFactory(), export_id=_queued_export(w).pk)),
    Case("notification_preferences_update",
         lambda w: notifications.notification_preferences_update(
             tenant=w.tenant, user=w.admin, changes=[{"type": "task_assigned", "email": False}]),
         lambda w, r: [("user.preferences_updated", w.admin.pk, "tenancy.user",
                        {"task_assigned.email": [True, False]})]),
    Case("user_profile_update",
         lambda w: auth.user_profile_update(user=w.admin, first_name="Ada", is_staff=True),
         lambda w, u: [("user.profile_updated", w.admin.pk, "tenancy.user", {"first_name": ["Test", "Ada"]})]),
    Case("user_logout_everywhere",
         lambda w: auth.user_logout_everywhere(user=w.admin),
         lambda w, u: [("user.logged_out_everywhere", w.admin.pk, "tenancy.user", {})]),
    Case("user_password_set",
         lambda w: auth.user_password_set(user=w.admin, password="another-passphrase-2026"),
         lambda w, u: [("user.password_changed", w.admin.pk, "tenancy.user", {"password": ["***", "***"]})]),
    Case("user_set_active",
         lambda w: platform_services.user_set_active(actor=w.staff, user=StaffFactory(email="s2@platform.example"),
                                                     is_active=False),
         lambda w, u: [("user.deactivated", w.staff.pk, "tenancy.user", {"is_active": [True, False]})],
         lambda w: platform_services.user_set_active(actor=w.staff, user=w.staff, is_active=False)),
    Case("user_change_role",
         lambda w: platform_services.user_change_role(actor=w.staff, user=UserFactory(tenant=w.tenant),
                                                      role=Role.MANAGER),
         lambda w, u: [("member.updated", w.staff.pk, "tenancy.user", {"role": ["MEMBER", "MANAGER"]})],
         lambda w: platform_services.user_change_role(actor=w.staff, user=w.staff, role=Role.MANAGER)),
    Case("staff_two_factor_enable",
         lambda w: platform_services.staff_two_factor_enable(user=w.staff, token=_totp_code(_totp_device(w))),
         lambda w, d: [("user.two_factor_enabled", w.staff.pk, "tenancy.user", {"two_factor": [False, True]})],
         lambda w: platform_services.staff_two_factor_enable(user=w.staff, token="123456")),  # already on
    Case("staff_two_factor_disable",
         lambda w: platform_services.staff_two_factor_disable(
             user=w.staff, token=_totp_code(_totp_device(w, confirmed=True))),
         lambda w, r: [("user.two_factor_disabled", w.staff.pk, "tenancy.user", {"two_factor": [True, False]})],
         lambda w: platform_services.staff_two_factor_disable(user=w.staff, token="123456")),  # already off
    Case("staff_two_factor_reset",
         lambda w: platform_services.staff_two_factor_reset(actor=w.staff, user=_other_staff_with_device()),
         lambda w, r: [("user.two_factor_disabled", w.staff.pk, "tenancy.user", {"two_factor": [True, False]})],
         lambda w: platform_services.staff_two_factor_reset(  # one's own: on one's page, with a code
             actor=w.staff, user=_totp_device(w, confirmed=True).user)),
    # billing
    Case("plan_create",
         lambda w: plans.plan_create(actor=w.staff, code="team", name="Team", price=Decimal("9.00"),
                                     currency="eur"),
         lambda w, p: [("plan.created", w.staff.pk, "billing.plan",
                        {"code": [None, "team"], "name": [None, "Team"], "price": [None, "9.00"],
                         "currency": [None, "EUR"], "period": [None, p.period], "is_active": [None, True],
                         "is_public": [None, True], "order": [None, p.order], "trial_days": [None, 0]}
                        | {k: [None, v] for k, v in {"description": p.description, "max_users": p.max_users,
                                                     "max_teams": p.max_teams, "max_tasks": p.max_tasks,
                                                     "max_storage_mb": p.max_storage_mb}.items()
                           if v not in (None, "")})],
         lambda w: plans.plan_create(actor=w.staff, code="neg", name="Neg", price=Decimal("-1"))),
    Case("plan_update",
         lambda w: plans.plan_update(actor=w.staff, plan=PlanFactory(code="basic"), price=Decimal("59.00")),
         lambda w, p: [("plan.updated", w.staff.pk, "billing.plan", {"price": ["49.00", "59.00"]})],
         lambda w: plans.plan_update(actor=w.staff, plan=PlanFactory(code="basic"), price=Decimal("-1"))),
    Case("subscription_create",
         lambda w: subscriptions.subscription_create(tenant=w.tenant, actor=w.admin,
                                                     plan=PlanFactory(code="free", price=Decimal("0"))),
         lambda w, s: [("subscription.created", w.admin.pk, "billing.subscription",
                        {"status": [None, "ACTIVE"], "plan": [None, s.plan_id],
                         "current_period_start": [None, s.current_period_start.isoformat()],
                         "current_period_end": [None, s.current_period_end.isoformat()]})],
         lambda w: subscriptions.subscription_create(tenant=TenantFactory(status=TenantStatus.PENDING),
                                                     actor=w.admin, plan=PlanFactory(code="free"))),
    Case("subscription_cancel",
         lambda w: subscriptions.subscription_cancel(tenant=w.tenant, actor=w.admin, subscription=_subscription(w)),
         lambda w, s: [("subscription.cancelled", w.admin.pk, "billing.subscription",
                        {"cancel_at_period_end": [False, True], "auto_renew": [True, False]})],
         lambda w: subscriptions.subscription_cancel(tenant=w.tenant, actor=w.admin, subscription=_subscription(
             w, status=SubscriptionStatus.EXPIRED))),
    Case("subscription_extend",
         lambda w: subscriptions.subscription_extend(tenant=w.tenant, actor=w.staff, subscription=_subscription(w),
                                                     days=10),
         lambda w, s: [("subscription.extended", w.staff.pk, "billing.subscription",
                        {"current_period_end": [(s.current_period_end - datetime.timedelta(days=10)).isoformat(),
                                                s.current_period_end.isoformat()]})],
         lambda w: subscriptions.subscription_extend(tenant=w.tenant, actor=w.staff, subscription=_subscription(w),
                                                     days=0)),
    Case("subscription_change_plan",
         lambda w: subscriptions.subscription_change_plan(tenant=w.tenant, actor=w.admin,
                                                          subscription=_subscription(w),
                                                          plan=PlanFactory(code="max")),
         lambda w, s: [("subscription.plan_changed", w.admin.pk, "billing.subscription",
                        {"next_plan": [None, s.next_plan_id]})],
         lambda w: subscriptions.subscription_change_plan(tenant=w.tenant, actor=w.admin,
                                                          subscription=_subscription(w),
                                                          plan=PlanFactory(code="old", is_active=False))),
    Case("invoice_create",
         lambda w: invoices.invoice_create(tenant=w.tenant, actor=w.staff,
                                           lines=[{"description": "Setup", "unit_price": "100"}]),
         lambda w, i: [("invoice.created", w.staff.pk, "billing.invoice",
                        {"status": [None, "DRAFT"], "kind": [None, i.kind], "currency": [None, i.currency],
                         "total": [None, str(i.total)]})],
         lambda w: invoices.invoice_create(tenant=w.tenant, actor=w.staff, lines=[])),
    Case("invoice_issue",
         lambda w: invoices.invoice_issue(tenant=w.tenant, actor=w.staff, invoice=invoices.invoice_create(
             tenant=w.tenant, actor=w.staff, lines=[{"description": "Setup", "unit_price": "100"}])),
         lambda w, i: [("invoice.created", w.staff.pk, "billing.invoice", None),
                       ("invoice.issued", w.staff.pk, "billing.invoice",
                        {"status": ["DRAFT", "ISSUED"], "number": [None, i.number],
                         "issued_on": [None, i.issued_on.isoformat()], "due_on": [None, i.due_on.isoformat()]})],
         lambda w: invoices.invoice_issue(tenant=w.tenant, actor=w.staff, invoice=_manual(w))),
    Case("invoice_create_and_issue",
         lambda w: invoices.invoice_create_and_issue(tenant=w.tenant, actor=w.staff,
                                                     lines=[{"description": "Setup", "unit_price": "100"}]),
         lambda w, i: [("invoice.issued", w.staff.pk, "billing.invoice",
                        {"status": ["DRAFT", "ISSUED"], "number": [None, i.number],
                         "issued_on": [None, i.issued_on.isoformat()], "due_on": [None, i.due_on.isoformat()]})],
         lambda w: invoices.invoice_create_and_issue(tenant=w.tenant, actor=w.staff, lines=[])),
    Case("invoice_void",
         lambda w: invoices.invoice_void(tenant=w.tenant, actor=w.staff, invoice=_manual(w), reason="Typo"),
         lambda w, i: [("invoice.voided", w.staff.pk, "billing.invoice",
                        {"status": ["ISSUED", "VOID"], "void_reason": ["", "Typo"]})],
         lambda w: invoices.invoice_void(tenant=w.tenant, actor=w.staff, invoice=_manual(w), reason="")),
    Case("invoice_mark_paid",
         lambda w: settlement.invoice_mark_paid(tenant=w.tenant, actor=w.staff, invoice=_manual(w)),
         lambda w, i: [("invoice.paid", w.staff.pk, "billing.invoice", {"status": ["ISSUED", "PAID"]})],
         lambda w: settlement.invoice_mark_paid(tenant=w.tenant, actor=w.staff, invoice=fresh(
             settlement.invoice_mark_paid(tenant=w.tenant, actor=w.staff, invoice=_manual(w))))),
    Case("payment_submit",
         lambda w: payments.payment_submit(
             tenant=w.tenant, actor=w.admin, invoice=_manual(w), amount=Decimal("120.00"), currency="USD",
             method="BANK_TRANSFER", paid_on=timezone.localdate(), proof=pdf_upload(), reference="TRX-7"),
         lambda w, p: [("payment.submitted", w.admin.pk, "billing.payment",
                        {"invoice": [None, p.invoice_id], "amount": [None, "120.00"], "currency": [None, "USD"],
                         "method": [None, "BANK_TRANSFER"], "reference": [None, "TRX-7"],
                         "paid_on": [None, p.paid_on.isoformat()], "status": [None, "PENDING"]})],
         lambda w: payments.payment_submit(
             tenant=w.tenant, actor=w.admin, invoice=_manual(w), amount=Decimal("1.00"), currency="USD",
             method="BANK_TRANSFER", paid_on=timezone.localdate(), proof=pdf_upload())),
    Case("payment_verify",
         lambda w: payments.payment_verify(tenant=w.tenant, actor=w.staff, payment=_payment(w, _manual(w))),
         lambda w, p: [("payment.verified", w.staff.pk, "billing.payment",
                        {"status": ["PENDING", "COMPLETED"], "verification_status": ["PENDING", "VERIFIED"],
                         "invoice.status": ["ISSUED", "PAID"]})],
         lambda w: payments.payment_verify(tenant=w.tenant, actor=w.staff, payment=fresh(payments.payment_verify(
             tenant=w.tenant, actor=w.staff, payment=_payment(w, _manual(w)))))),
    Case("subscription_set_reprice_at_renewal",
         lambda w: subscriptions.subscription_set_reprice_at_renewal(tenant=w.tenant, actor=w.staff,
                                                                     subscription=_subscription(w), reprice=True),
         lambda w, s: [("subscription.repriced", w.staff.pk, "billing.subscription",
                        {"reprice_at_renewal": [False, True]})],
         lambda w: subscriptions.subscription_set_reprice_at_renewal(
             tenant=w.tenant, actor=w.staff, subscription=_subscription(w, status=SubscriptionStatus.CANCELLED),
             reprice=True)),
    Case("bank_statement_import",
         lambda w: reconciliation.bank_statement_import(actor=w.staff, file=_statement("INV-2026-999999")),
         lambda w, statement: [("bank_statement.imported", w.staff.pk, "billing.bankstatementimport",
                                {"lines": [None, 1]})],
         lambda w: reconciliation.bank_statement_import(actor=w.staff, file=_statement("x", amount="abc"))),
    Case("bank_line_confirm",
         lambda w: reconciliation.bank_line_confirm(actor=w.staff, line=_bank_line(w)),
         lambda w, line: [
             ("payment.submitted", w.staff.pk, "billing.payment",
              {"invoice": [None, line.invoice_id], "amount": [None, "120.00"], "currency": [None, "USD"],
               "method": [None, "BANK_TRANSFER"], "reference": [None, line.reference],
               "paid_on": [None, line.payment.paid_on.isoformat()], "status": [None, "PENDING"]}),
             ("payment.verified", w.staff.pk, "billing.payment",
              {"status": ["PENDING", "COMPLETED"], "verification_status": ["PENDING", "VERIFIED"],
               "invoice.status": ["ISSUED", "PAID"]}),
             ("bank_statement.line_confirmed", w.staff.pk, "billing.invoice",
              {"payment": [None, line.payment_id], "statement_line": [None, line.pk]})],
         lambda w: reconciliation.bank_line_confirm(actor=w.staff, line=_bank_line(w, matched=False))),
    Case("payment_reject",
         lambda w: payments.payment_reject(tenant=w.tenant, actor=w.staff, payment=_payment(w, _manual(w)),
                                           reason="Unreadable"),
         lambda w, p: [("payment.rejected", w.staff.pk, "billing.payment",
                        {"status": ["PENDING", "FAILED"], "verification_status": ["PENDING", "REJECTED"],
                         "rejection_reason": ["", "Unreadable"]})],
         lambda w: payments.payment_reject(tenant=w.tenant, actor=w.staff, payment=_payment(w, _manual(w)),
                                           reason="")),
    # work
    Case("team_create",
         lambda w: teams.team_create(tenant=w.tenant, actor=w.admin, name="Ops"),
         lambda w, t: [("team.created", w.admin.pk, "work.team", {"name": [None, "Ops"]})],
         lambda w: teams.team_create(tenant=w.tenant, actor=w.admin, name=" ")),
    Case("team_update",
         lambda w: teams.team_update(tenant=w.tenant, actor=w.admin, team=w.team(), name="Core 2"),
         lambda w, t: [("team.updated", w.admin.pk, "work.team", {"name": ["Core", "Core 2"]})],
         lambda w: teams.team_update(tenant=w.tenant, actor=UserFactory(tenant=w.tenant), team=w.team(),
                                     name="Nope")),
    Case("team_archive",
         lambda w: teams.team_archive(tenant=w.tenant, actor=w.admin, team=w.team()),
         lambda w, t: [("team.archived", w.admin.pk, "work.team", {"is_archived": [False, True]})],
         lambda w: teams.team_archive(tenant=w.tenant, actor=UserFactory(tenant=w.tenant), team=w.team())),
    Case("team_member_add",
         lambda w: teams.team_member_add(tenant=w.tenant, actor=w.admin, team=w.team(),
                                         user=UserFactory(tenant=w.tenant, email="m@alpha.example")),
         lambda w, m: [("team.member_added", w.admin.pk, "work.team",
                        {"member": [None, "m@alpha.example"], "role": [None, "MEMBER"]})],
         lambda w: teams.team_member_add(tenant=w.tenant, actor=w.admin, team=w.team(), user=w.admin)),
    Case("team_member_remove",
         lambda w: teams.team_member_remove(tenant=w.tenant, actor=w.admin, team=(team := w.team()),
                                            user=make_member(team).user),
         lambda w, r: [("team.member_removed", w.admin.pk, "work.team",
                        {"member": [ActivityLog.objects.get().changes["member"][0], None]})],
         lambda w: teams.team_member_remove(tenant=w.tenant, actor=w.admin, team=w.team(), user=w.admin)),
    Case("team_invitation_create",
         lambda w: teams.team_invitation_create(tenant=w.tenant, actor=w.admin, team=w.team(),
                                                email="Later@alpha.example"),
         lambda w, r: [("team_invitation.created", w.admin.pk, "work.teaminvitation",
                        {"team": [None, r[0].team_id], "email": [None, "later@alpha.example"],
                         "role": [None, "MEMBER"]})],
         lambda w: teams.team_invitation_create(tenant=w.tenant, actor=w.admin, team=w.team(),
                                                email="x@alpha.example", role="BOSS")),
    Case("team_invitation_revoke",
         lambda w: teams.team_invitation_revoke(tenant=w.tenant, actor=w.admin,
                                                invitation=_team_invitation(w, w.team())[1]),
         lambda w, inv: [("team_invitation.revoked", w.admin.pk, "work.teaminvitation",
                          {"revoked_at": [None, inv.revoked_at.isoformat()]})],
         lambda w: teams.team_invitation_revoke(
             tenant=w.tenant, actor=w.admin, invitation=fresh(teams.team_invitation_revoke(
                 tenant=w.tenant, actor=w.admin, invitation=_team_invitation(w, w.team())[1])))),
    Case("team_invitation_accept",
         lambda w: teams.team_invitation_accept(tenant=w.tenant, user=(inv := _team_invitation(w, w.team()))[0],
                                                token=inv[2]),
         lambda w, m: [("team_invitation.accepted", m.user_id, "work.team",
                        {"member": [None, ActivityLog.objects.get().changes["member"][1]],
                         "role": [None, "MEMBER"]})],
         lambda w: teams.team_invitation_accept(tenant=w.tenant, user=w.admin, token="not-a-token")),
    Case("task_create",
         lambda w: tasks.task_create(tenant=w.tenant, actor=w.admin, team=w.team(), title="Ship"),
         lambda w, t: [("task.created", w.admin.pk, "work.task",
                        {"team": [None, t.team_id], "title": [None, "Ship"], "status": [None, "TODO"],
                         "priority": [None, t.priority]})],
         lambda w: tasks.task_create(tenant=w.tenant, actor=w.admin, team=w.team(), title=" ")),
    Case("task_update",
         lambda w: tasks.task_update(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team(), title="A"),
                                     title="B", description=""),
         lambda w, t: [("task.updated", w.admin.pk, "work.task", {"title": ["A", "B"]})],
         lambda w: tasks.task_update(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()), status="DONE")),
    Case("task_move",
         lambda w: tasks.task_move(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()),
                                   status=TaskStatus.DONE, position=0),
         lambda w, t: [("task.moved", w.admin.pk, "work.task", {"status": ["TODO", "DONE"]})],
         lambda w: tasks.task_move(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()),
                                   status="LATER", position=0)),
    Case("task_delete",
         lambda w: tasks.task_delete(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team(), title="Old")),
         lambda w, r: [("task.deleted", w.admin.pk, "work.task",
                        {"team": [ActivityLog.objects.get().changes["team"][0], None], "title": ["Old", None],
                         "status": ["TODO", None]})],
         lambda w: tasks.task_delete(tenant=w.tenant, actor=UserFactory(tenant=w.tenant),
                                     task=TaskFactory(team=w.team()))),
    Case("comment_create",
         lambda w: comments.comment_create(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()),
                                           body="Looks good"),
         lambda w, c: [("comment.created", w.admin.pk, "work.comment",
                        {"task": [None, c.task_id], "body": [None, "Looks good"]})],
         lambda w: comments.comment_create(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()),
                                           body=" ")),
    Case("comment_update",
         lambda w: comments.comment_update(tenant=w.tenant, actor=w.admin, body="v2", comment=CommentFactory(
             task=TaskFactory(team=w.team()), author=w.admin, body="v1")),
         lambda w, c: [("comment.edited", w.admin.pk, "work.comment", {"body": ["v1", "v2"]})],
         lambda w: comments.comment_update(tenant=w.tenant, actor=UserFactory(tenant=w.tenant), body="x",
                                           comment=CommentFactory(task=TaskFactory(team=w.team()), author=w.admin))),
    Case("comment_delete",
         lambda w: comments.comment_delete(tenant=w.tenant, actor=w.admin, comment=CommentFactory(
             task=TaskFactory(team=w.team()), author=w.admin, body="bye")),
         lambda w, r: [("comment.deleted", w.admin.pk, "work.comment",
                        {"task": [ActivityLog.objects.get().changes["task"][0], None], "body": ["bye", None]})],
         lambda w: comments.comment_delete(tenant=w.tenant, actor=UserFactory(tenant=w.tenant),
                                           comment=CommentFactory(task=TaskFactory(team=w.team()), author=w.admin))),
    Case("attachment_add",
         lambda w: attachments.attachment_add(tenant=w.tenant, actor=w.admin, task=TaskFactory(team=w.team()),
                                              upload=_upload()),
         lambda w, a: [("attachment.added", w.admin.pk, "work.attachment",
                        {"task": [None, a.task_id], "name": [None, "notes.txt"], "size": [None, a.size]})],
         lambda w: attachments.attachment_add(tenant=w.tenant, actor=UserFactory(tenant=w.tenant),
                                              task=TaskFactory(team=w.team()), upload=_upload())),
    Case("attachment_delete",
         lambda w: attachments.attachment_delete(tenant=w.tenant, actor=w.admin, attachment=AttachmentFactory(
             task=TaskFactory(team=w.team()), uploader=w.admin)),
         lambda w, r: [("attachment.deleted", w.admin.pk, "work.attachment",
                        {"task": [ActivityLog.objects.get().changes["task"][0], None],
                         "name": ["notes.txt", None]})],
         lambda w: attachments.attachment_delete(tenant=w.tenant, actor=UserFactory(tenant=w.tenant),
                                                 attachment=AttachmentFactory(task=TaskFactory(team=w.team()),
                                                                              uploader=w.admin))),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_successful_call_writes_its_rows_and_a_refused_one_none(db, case):
    w = World()
    ActivityLog.objects.all().delete()
    result = case.run(w)
    written = rows()
    expected = case.expect(w, result)
    assert [(verb, actor, kind) for verb, actor, kind, _ in written] == [
        (verb, actor, kind) for verb, actor, kind, _ in expected]
    for (_, _, _, changes), (_, _, _, wanted) in zip(written, expected, strict=True):
        if wanted is not None:
            assert changes == wanted
    for row in ActivityLog.objects.all():
        assert row.get_verb_display() != row.verb  # a human label exists
        assert row.object_id and row.object_repr
    if case.refuse is None:
        return
    ActivityLog.objects.all().delete()
    with pytest.raises(ServiceError):
        case.refuse(w)
    assert rows() == []


def _public_services():
    names = set()
    modules = [importlib.import_module(name) for name in SERVICE_MODULES]
    for package_name in SERVICE_PACKAGES:
        package = importlib.import_module(package_name)
        modules += [importlib.import_module(f"{package_name}.{info.name}")
                    for info in pkgutil.iter_modules(package.__path__)]
    for module in modules:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{module.__name__}.{name}")
    return names


def test_every_service_is_walked():
    walked = {case.name for case in CASES}
    missing = sorted(name for name in _public_services()
                     if name not in NOT_STATE_CHANGING and name.rsplit(".", 1)[1] not in walked)
    assert not missing, ("These services change state but no audit case walks them; give each an "
                         f"audit_record call and a Case here (or say in NOT_STATE_CHANGING why not): {missing}")


def test_a_subscription_payment_also_renews_the_subscription_in_its_own_row(db):
    w = World()
    subscription = _subscription(w, status=SubscriptionStatus.PENDING_PAYMENT)
    invoice = issued_invoice(subscription=subscription)
    payment = _payment(w, invoice)
    payments.payment_verify(tenant=w.tenant, actor=w.staff, payment=payment)
    verbs = [(row.verb, row.actor_id) for row in ActivityLog.objects.order_by("pk")]
    assert verbs == [("subscription.renewed", w.staff.pk), ("payment.verified", w.staff.pk)]
    assert ActivityLog.objects.get(verb="subscription.renewed").changes["status"] == [
        "PENDING_VERIFICATION", "ACTIVE"]


def test_the_billing_cycle_acts_as_the_system_actor(db):
    w = World()
    today = timezone.localdate()
    subscription = _subscription(w, current_period_start=today - datetime.timedelta(days=60),
                                 current_period_end=today - datetime.timedelta(days=30))
    ActivityLog.objects.all().delete()
    cycle.billing_cycle_run(on=today)
    later = today + datetime.timedelta(days=billing_settings().grace_days)
    cycle.billing_cycle_run(on=later)
    written = list(ActivityLog.objects.order_by("pk"))
    assert [row.verb for row in written] == ["invoice.issued", "subscription.past_due", "subscription.expired",
                                             "tenant.suspended"]
    assert {(row.actor_id, row.actor_label, row.channel, row.tenant_id) for row in written} == {
        (None, audit.SYSTEM_ACTOR, "job", w.tenant.pk)}
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.EXPIRED
    cycle.billing_cycle_run(on=later)  # idempotent: a second run changes nothing and writes nothing
    assert ActivityLog.objects.count() == len(written)

