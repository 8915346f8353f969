"""Every admin action through the test client: the state it leaves, and 403 for the wrong staff group."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import InvoiceStatus, Payment, PaymentStatus, Plan, SubscriptionStatus, VerificationStatus
from billing.tests.factories import InvoiceFactory, PlanFactory
from tenancy.models import ActivityLog, Role, Tenant, TenantInvitation, TenantStatus
from tenancy.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


# --- companies ------------------------------------------------------------------------------------------------


def test_a_get_only_shows_the_dialog_and_changes_nothing(admin_client, support):
    pending = TenantFactory(status=TenantStatus.PENDING)
    response = admin_client(support).get(url("tenancy_tenant_row_approve", pending.pk))
    assert response.status_code == 200 and b'id="dialog"' in response.content
    pending.refresh_from_db()
    assert pending.status == TenantStatus.PENDING


def test_support_approves_a_pending_company(admin_client, support):
    pending = TenantFactory(status=TenantStatus.PENDING)
    response = admin_client(support).post(url("tenancy_tenant_row_approve", pending.pk), {"_form_submitted": "1"},
                                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"]
    pending.refresh_from_db()
    assert pending.status == TenantStatus.ACTIVE and pending.approved_by == support
    log = ActivityLog.objects.get(verb="tenant.approved")
    assert log.tenant == pending and log.actor == support and log.channel == "admin"


def test_reject_needs_a_reason(admin_client, support):
    pending = TenantFactory(status=TenantStatus.PENDING)
    client = admin_client(support)
    response = client.post(url("tenancy_tenant_row_reject", pending.pk), {"_form_submitted": "1", "reason": ""})
    assert response.status_code == 200 and b"This field is required" in response.content
    pending.refresh_from_db()
    assert pending.status == TenantStatus.PENDING
    response = client.post(url("tenancy_tenant_row_reject", pending.pk),
                           {"_form_submitted": "1", "reason": "No such company"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == TenantStatus.REJECTED and pending.rejection_reason == "No such company"


def test_suspend_and_reactivate(admin_client, support, tenant):
    client = admin_client(support)
    client.post(url("tenancy_tenant_row_suspend", tenant.pk), {"_form_submitted": "1", "reason": "Abuse report"})
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.SUSPENDED and tenant.suspension_reason == "Abuse report"
    client.post(url("tenancy_tenant_row_reactivate", tenant.pk), {"_form_submitted": "1"})
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE


def test_a_refused_transition_is_a_message_not_an_error(admin_client, support, tenant):
    response = admin_client(support).post(url("tenancy_tenant_row_approve", tenant.pk), {"_form_submitted": "1"},
                                          follow=True)
    assert response.status_code == 200
    assert "The company is already active." in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE


@pytest.mark.parametrize("name", ["row_approve", "row_reject", "row_suspend", "row_reactivate"])
def test_finance_cannot_decide_on_companies(admin_client, finance, name):
    pending = TenantFactory(status=TenantStatus.PENDING)
    response = admin_client(finance).post(url(f"tenancy_tenant_{name}", pending.pk),
                                          {"_form_submitted": "1", "reason": "x"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == TenantStatus.PENDING


def test_bulk_approve_and_bulk_reject_with_a_reason(admin_client, support):
    first, second = TenantFactory(status=TenantStatus.PENDING), TenantFactory(status=TenantStatus.PENDING)
    active = TenantFactory(status=TenantStatus.ACTIVE)
    client = admin_client(support)
    changelist = url("tenancy_tenant_changelist")
    # Bulk approve asks first (how many, which are skipped and why), then applies.
    response = client.post(changelist, {"action": "bulk_approve", "_selected_action": [first.pk, active.pk]})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="bulk-confirm"' in page
    assert "1 of 2 selected" in page and f"{active}: active, cannot approve" in page
    first.refresh_from_db()
    assert first.status == TenantStatus.PENDING
    client.post(changelist, {"action": "bulk_approve", "_selected_action": [first.pk, active.pk], "apply": "1"})
    first.refresh_from_db()
    assert first.status == TenantStatus.ACTIVE
    # The first post shows the reason page; the second, with the reason, applies.
    response = client.post(changelist, {"action": "bulk_reject", "_selected_action": [second.pk]})
    assert response.status_code == 200 and b'name="reason"' in response.content
    second.refresh_from_db()
    assert second.status == TenantStatus.PENDING
    client.post(changelist, {"action": "bulk_reject", "_selected_action": [second.pk], "apply": "1",
                             "reason": "Duplicate sign-up"})
    second.refresh_from_db()
    assert second.status == TenantStatus.REJECTED and second.rejection_reason == "Duplicate sign-up"


def test_finance_bulk_approve_does_nothing(admin_client, finance):
    pending = TenantFactory(status=TenantStatus.PENDING)
    admin_client(finance).post(url("tenancy_tenant_changelist"),
                               {"action": "bulk_approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == TenantStatus.PENDING


def test_superuser_creates_a_company(admin_client, super_admin):
    admin_client(super_admin).post(url("tenancy_tenant_create_tenant"), {
        "_form_submitted": "1", "name": "Gamma GmbH", "subdomain": "gamma", "contact_email": "boss@gamma.example",
        "contact_name": "Gina"})
    tenant = Tenant.objects.get(slug="gamma")
    assert tenant.status == TenantStatus.ACTIVE and tenant.domains.get().host == "gamma.localhost"


def test_support_cannot_create_a_company(admin_client, support):
    response = admin_client(support).post(url("tenancy_tenant_create_tenant"), {
        "_form_submitted": "1", "name": "Gamma", "subdomain": "gamma", "contact_email": "g@gamma.example"})
    assert response.status_code == 403 and not Tenant.objects.filter(slug="gamma").exists()


def test_the_company_page_shows_its_domains(admin_client, support, tenant):
    response = admin_client(support).get(url("tenancy_tenant_change", tenant.pk))
    assert response.status_code == 200
    assert b"Domains" in response.content or b"domains" in response.content


# --- payments -------------------------------------------------------------------------------------------------


def test_finance_verifies_a_payment(admin_client, finance, pending_payment, tenant):
    response = admin_client(finance).post(url("billing_payment_row_verify", pending_payment.pk),
                                          {"_form_submitted": "1"})
    assert response.status_code == 302
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.VERIFIED
    assert pending_payment.status == PaymentStatus.COMPLETED and pending_payment.verified_by == finance
    assert pending_payment.invoice.status == InvoiceStatus.PAID
    pending_payment.subscription.refresh_from_db()
    assert pending_payment.subscription.status == SubscriptionStatus.ACTIVE


def test_finance_rejects_a_payment_with_a_reason(admin_client, finance, pending_payment):
    admin_client(finance).post(url("billing_payment_row_reject", pending_payment.pk),
                               {"_form_submitted": "1", "reason": "Amount never arrived"})
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.REJECTED
    assert pending_payment.rejection_reason == "Amount never arrived"
    pending_payment.subscription.refresh_from_db()
    assert pending_payment.subscription.status == SubscriptionStatus.ACTIVE  # the status it had before


@pytest.mark.parametrize("name", ["row_verify", "row_reject"])
def test_support_cannot_decide_on_payments(admin_client, support, pending_payment, name):
    response = admin_client(support).post(url(f"billing_payment_{name}", pending_payment.pk),
                                          {"_form_submitted": "1", "reason": "x"})
    assert response.status_code == 403
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.PENDING


def test_admin_and_api_verify_through_the_same_service_once(admin_client, finance, super_admin, pending_payment,
                                                             api):
    admin_client(finance).post(url("billing_payment_row_verify", pending_payment.pk), {"_form_submitted": "1"})
    response = api(super_admin).post(f"/api/subscriptions/payments/{pending_payment.pk}/verify/",
                                     {"action": "verify"})
    assert response.status_code == 409 and response.json()["code"] == "payment_already_processed"
    pending_payment.refresh_from_db()
    assert pending_payment.verified_by == finance


def test_api_first_then_admin_is_refused(admin_client, finance, super_admin, pending_payment, api):
    assert api(super_admin).post(f"/api/subscriptions/payments/{pending_payment.pk}/verify/",
                                 {"action": "verify"}).status_code == 200
    response = admin_client(finance).post(url("billing_payment_row_verify", pending_payment.pk),
                                          {"_form_submitted": "1"}, follow=True)
    assert "already been verified" in response.content.decode()
    pending_payment.refresh_from_db()
    assert pending_payment.verified_by == super_admin


def test_bulk_verify_asks_first(admin_client, finance, pending_payment):
    client = admin_client(finance)
    body = {"action": "bulk_verify", "_selected_action": [pending_payment.pk]}
    response = client.post(url("billing_payment_changelist"), body)
    assert response.status_code == 200 and "This changes 1 row" in response.content.decode()
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.PENDING
    client.post(url("billing_payment_changelist"), {**body, "apply": "1"})
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.VERIFIED
    # Once verified, the same selection is skipped, with the reason, and nothing can be applied.
    page = client.post(url("billing_payment_changelist"), body).content.decode()
    assert "already verified" in page and 'id="bulk-apply"' not in page


def test_the_payment_page_previews_the_proof_for_staff_only(admin_client, finance, support, pending_payment):
    client = admin_client(finance)
    page = client.get(url("billing_payment_change", pending_payment.pk))
    assert page.status_code == 200 and b'id="payment-proof"' in page.content
    proof = client.get(url("billing_payment_proof", pending_payment.pk))
    assert proof.status_code == 200 and proof["Content-Type"] == "application/pdf"
    assert b"".join(proof.streaming_content).startswith(b"%PDF")
    assert admin_client(support).get(url("billing_payment_proof", pending_payment.pk)).status_code == 403


def test_the_sidebar_opens_the_queue_and_show_all_shows_all(admin_client, finance, pending_payment, open_invoice):
    verified = Payment.objects.get(pk=pending_payment.pk)
    client = admin_client(finance)
    queue = url("billing_payment_changelist") + "?verification=PENDING"
    response = client.get(queue)
    assert f'href="{queue}"' in response.content.decode()  # the sidebar's Payments item
    assert list(response.context["cl"].result_list) == [verified]
    from billing.services.payments import payment_verify

    payment_verify(tenant=verified.tenant, actor=finance, payment=verified)
    assert list(client.get(queue).context["cl"].result_list) == []
    # "Show all" drops the parameters: every payment, not the queue again.
    assert len(client.get(url("billing_payment_changelist")).context["cl"].result_list) == 1
    assert len(client.get(url("billing_payment_changelist") + "?verification=all").context["cl"].result_list) == 1


# --- invoices -------------------------------------------------------------------------------------------------


def test_issue_a_draft_then_void_it(admin_client, finance, subscription):
    draft = InvoiceFactory(subscription=subscription)
    client = admin_client(finance)
    client.post(url("billing_invoice_row_issue", draft.pk), {"_form_submitted": "1"})
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.number.startswith("INV-")
    client.post(url("billing_invoice_row_void", draft.pk), {"_form_submitted": "1", "reason": "Wrong amount"})
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.VOID and draft.void_reason == "Wrong amount"


def test_mark_paid(admin_client, finance, open_invoice):
    admin_client(finance).post(url("billing_invoice_row_mark_paid", open_invoice.pk), {"_form_submitted": "1"})
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.PAID


def test_mark_paid_is_refused_while_a_payment_waits(admin_client, finance, pending_payment):
    response = admin_client(finance).post(url("billing_invoice_row_mark_paid", pending_payment.invoice_id),
                                          {"_form_submitted": "1"}, follow=True)
    assert "waiting for verification" in response.content.decode()
    pending_payment.invoice.refresh_from_db()
    assert pending_payment.invoice.status == InvoiceStatus.ISSUED


def test_invoice_pdf_download(admin_client, finance, open_invoice):
    response = admin_client(finance).get(url("billing_invoice_row_pdf", open_invoice.pk))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert f'filename="{open_invoice.number}.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("name", ["row_issue", "row_void", "row_mark_paid", "row_pdf"])
def test_support_cannot_touch_invoices(admin_client, support, open_invoice, name):
    response = admin_client(support).post(url(f"billing_invoice_{name}", open_invoice.pk),
                                          {"_form_submitted": "1", "reason": "x"})
    assert response.status_code == 403
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.ISSUED


def test_finance_creates_and_issues_a_manual_invoice(admin_client, finance, tenant):
    admin_client(finance).post(url("billing_invoice_create_invoice"), {
        "_form_submitted": "1", "tenant": tenant.pk, "description": "Workshop", "quantity": "2",
        "unit_price": "150.00", "currency": "USD", "tax_rate": "", "due_on": "", "issue_now": "on"})
    invoice = tenant.invoices.get()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.lines.get().description == "Workshop"


# --- subscriptions --------------------------------------------------------------------------------------------


def test_extend_change_plan_and_cancel(admin_client, finance, subscription):
    client = admin_client(finance)
    end = subscription.current_period_end
    client.post(url("billing_subscription_row_extend", subscription.pk), {"_form_submitted": "1", "days": "10"})
    subscription.refresh_from_db()
    assert subscription.current_period_end == end + datetime.timedelta(days=10)
    other = PlanFactory(code="enterprise", name="Enterprise")
    client.post(url("billing_subscription_row_change_plan", subscription.pk),
                {"_form_submitted": "1", "plan": other.pk})
    subscription.refresh_from_db()
    assert subscription.next_plan == other
    client.post(url("billing_subscription_row_cancel", subscription.pk), {"_form_submitted": "1"})
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.status == SubscriptionStatus.ACTIVE
    client.post(url("billing_subscription_row_cancel", subscription.pk),
                {"_form_submitted": "1", "immediately": "on"})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED


def test_finance_subscribes_a_company(admin_client, finance, support, tenant, plan):
    data = {"_form_submitted": "1", "tenant": tenant.pk, "plan": plan.pk}
    assert admin_client(support).post(url("billing_subscription_create_subscription"), data).status_code == 403
    admin_client(finance).post(url("billing_subscription_create_subscription"), data)
    subscription = tenant.subscriptions.get()
    assert subscription.status == SubscriptionStatus.PENDING_PAYMENT
    assert subscription.invoices.get().status == InvoiceStatus.ISSUED


def test_finance_sets_the_renewal_price_and_it_is_audited(admin_client, finance, subscription):
    from tenancy.models import ActivityLog

    client = admin_client(finance)
    response = client.post(url("billing_subscription_row_reprice", subscription.pk),
                           {"_form_submitted": "1", "reprice": "on"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.reprice_at_renewal is True
    row = ActivityLog.objects.get(verb="subscription.repriced")
    assert (row.actor, row.tenant, row.changes) == (finance, subscription.tenant,
                                                    {"reprice_at_renewal": [False, True]})
    client.post(url("billing_subscription_row_reprice", subscription.pk), {"_form_submitted": "1"})
    subscription.refresh_from_db()
    assert subscription.reprice_at_renewal is False


@pytest.mark.parametrize("name", ["row_cancel", "row_extend", "row_change_plan", "row_reprice"])
def test_support_cannot_change_subscriptions(admin_client, support, subscription, name):
    response = admin_client(support).post(url(f"billing_subscription_{name}", subscription.pk),
                                          {"_form_submitted": "1", "days": "5"})
    assert response.status_code == 403


# --- plans ----------------------------------------------------------------------------------------------------


def test_finance_edits_a_plan_and_support_cannot(admin_client, finance, support, plan):
    data = {"name": "Pro", "description": "", "price": "59.00", "currency": "usd", "period": "MONTHLY",
            "trial_days": "0", "max_users": "10", "max_teams": "", "max_tasks": "", "max_storage_mb": "",
            "is_active": "on", "is_public": "on", "order": "3"}
    assert admin_client(support).post(url("billing_plan_change", plan.pk), data).status_code == 403
    response = admin_client(finance).post(url("billing_plan_change", plan.pk), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price == 59 and plan.currency == "USD" and plan.max_teams is None


def test_plans_import_through_the_service(admin_client, super_admin, plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = ("code,name,description,price,currency,period,trial_days,max_users,max_teams,max_tasks,max_storage_mb,"
           "is_active,is_public,order\n"
           "pro,Professional,,55.00,usd,MONTHLY,0,10,5,100,1000,1,1,3\n"
           "team,Team,,29.00,USD,MONTHLY,7,5,2,50,500,1,1,2\n")
    client = admin_client(super_admin)
    response = client.post(url("billing_plan_import"), {
        "resource": "0", "format": "0", "import_file": SimpleUploadedFile("plans.csv", csv.encode())})
    assert response.status_code == 200, response.content[:500]
    confirm = response.context["confirm_form"]
    response = client.post(url("billing_plan_process_import"), confirm.initial)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price == 55 and plan.currency == "USD"
    assert Plan.objects.get(code="team").trial_days == 7


# --- users ----------------------------------------------------------------------------------------------------


def test_deactivate_and_activate_a_company_user(admin_client, support, member):
    client = admin_client(support)
    client.post(url("tenancy_user_row_deactivate", member.pk), {"_form_submitted": "1"})
    member.refresh_from_db()
    assert not member.is_active and member.tokens_valid_after is not None
    client.post(url("tenancy_user_row_activate", member.pk), {"_form_submitted": "1"})
    member.refresh_from_db()
    assert member.is_active


def test_the_last_company_admin_stays(admin_client, support, tenant_admin):
    response = admin_client(support).post(url("tenancy_user_row_deactivate", tenant_admin.pk),
                                          {"_form_submitted": "1"}, follow=True)
    assert "at least one active admin" in response.content.decode()
    tenant_admin.refresh_from_db()
    assert tenant_admin.is_active


def test_change_role(admin_client, support, member, tenant_admin):
    admin_client(support).post(url("tenancy_user_row_change_role", member.pk),
                               {"_form_submitted": "1", "role": Role.MANAGER})
    member.refresh_from_db()
    assert member.role == Role.MANAGER


def test_send_password_reset(admin_client, support, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client(support).post(url("tenancy_user_row_password_reset", member.pk), {"_form_submitted": "1"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
    assert "/reset-password?uid=" in mail.outbox[0].body


def test_only_a_superuser_deactivates_staff(admin_client, support, finance, super_admin):
    admin_client(support).post(url("tenancy_user_row_deactivate", finance.pk), {"_form_submitted": "1"})
    finance.refresh_from_db()
    assert finance.is_active
    admin_client(super_admin).post(url("tenancy_user_row_deactivate", finance.pk), {"_form_submitted": "1"})
    finance.refresh_from_db()
    assert not finance.is_active


@pytest.mark.parametrize("name", ["row_deactivate", "row_change_role", "row_password_reset"])
def test_finance_cannot_manage_users(admin_client, finance, member, name):
    response = admin_client(finance).post(url(f"tenancy_user_{name}", member.pk),
                                          {"_form_submitted": "1", "role": Role.MANAGER})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active and member.role == Role.MEMBER


def test_support_cannot_grant_staff_rights(admin_client, support, member):
    response = admin_client(support).get(url("tenancy_user_change", member.pk))
    form = response.context["adminform"].form
    assert "is_staff" not in form.fields and "is_superuser" not in form.fields and "role" not in form.fields


def test_superuser_adds_a_staff_account(admin_client, super_admin):
    admin_client(super_admin).post(url("tenancy_user_add"), {
        "email": "new.staff@platform.example", "password1": "a-long-enough-pass-42", "password2":
        "a-long-enough-pass-42"})
    from tenancy.models import User

    user = User.objects.get(email="new.staff@platform.example")
    assert user.is_staff and user.tenant is None and user.role == Role.SUPER_ADMIN and not user.is_superuser


def test_tenant_user_factory_is_never_staff(member):
    assert not member.is_staff
    assert UserFactory(tenant=member.tenant).is_staff is False


def test_the_new_company_dialog_invites_the_first_admin(admin_client, super_admin):
    admin_client(super_admin).post(url("tenancy_tenant_create_tenant"), {
        "_form_submitted": "1", "name": "Gamma GmbH", "subdomain": "gamma", "contact_email": "office@gamma.example",
        "contact_name": "", "admin_email": "boss@gamma.example"})
    tenant = Tenant.objects.get(slug="gamma")
    invitation = TenantInvitation.objects.get(tenant=tenant)
    assert (invitation.email, invitation.role, invitation.invited_by_id) == (
        "boss@gamma.example", "TENANT_ADMIN", super_admin.pk)


def test_support_invite_a_company_admin_from_the_company_page(admin_client, support, tenant):
    page = admin_client(support).get(url("tenancy_tenant_change", tenant.pk)).content.decode()
    assert "Invite an admin" in page
    response = admin_client(support).post(url("tenancy_tenant_row_invite_admin", tenant.pk),
                                          {"_form_submitted": "1", "email": "chief@alpha.example"}, follow=True)
    assert response.status_code == 200
    assert "Invitation sent to chief@alpha.example." in response.content.decode()
    invitation = TenantInvitation.objects.get(tenant=tenant)
    assert invitation.role == "TENANT_ADMIN" and invitation.invited_by_id == support.pk


def test_an_invitation_refused_in_the_control_panel_is_a_message(admin_client, support, tenant, member):
    response = admin_client(support).post(url("tenancy_tenant_row_invite_admin", tenant.pk),
                                          {"_form_submitted": "1", "email": member.email}, follow=True)
    assert response.status_code == 200
    assert "This person is already a member of the company." in response.content.decode()
    assert not TenantInvitation.objects.exists()
