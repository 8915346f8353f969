"""Services: subscriptions, payments, invoices, money and limits."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services import invoices as invoice_services
from billing.services import payments as payment_services
from billing.services import settlement
from billing.services import subscriptions as subscription_services
from billing.services.invoices import invoice_totals, money
from billing.services.subscriptions import add_period
from billing.tests.factories import (
    PlanFactory,
    SubscriptionFactory,
    billing_state,
    issued_invoice,
    pdf_upload,
    stored_files,
    submitted_payment,
)
from tenancy import limits
from tenancy.exceptions import Conflict, Forbidden, PlanLimitReached, ServiceError
from tenancy.models import Notification, NotificationType, TenantStatus
from tenancy.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db
S = SubscriptionStatus


def test_add_period_clamps_month_end():
    assert add_period(datetime.date(2026, 1, 31), "MONTHLY") == datetime.date(2026, 2, 28)
    assert add_period(datetime.date(2026, 12, 15), "MONTHLY") == datetime.date(2027, 1, 15)
    assert add_period(datetime.date(2024, 2, 29), "YEARLY") == datetime.date(2025, 2, 28)


def test_trial_once_per_tenant(tenant, tenant_admin):
    plan = PlanFactory(trial_days=14)
    first = subscription_services.subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
    assert first.status == S.TRIAL
    assert first.trial_ends_on == first.started_on + datetime.timedelta(days=14)
    assert not first.invoices.exists()
    subscription_services.subscription_cancel(tenant=tenant, actor=None, subscription=first, immediately=True)
    second = subscription_services.subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
    assert second.status == S.PENDING_PAYMENT
    invoice = second.invoices.get()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.kind == InvoiceKind.FIRST
    assert invoice.total == plan.price and invoice.number.startswith(f"INV-{invoice.issued_on.year}-")


def test_one_current_subscription(tenant, tenant_admin):
    plan = PlanFactory()
    subscription_services.subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
    with pytest.raises(Conflict) as refused:
        subscription_services.subscription_create(tenant=tenant, actor=tenant_admin, plan=plan)
    assert refused.value.code == "subscription_exists"
    assert Subscription.objects.filter(tenant=tenant).count() == 1
    assert Invoice.objects.filter(tenant=tenant).count() == 1


def test_free_plan_is_active_at_once(tenant, tenant_admin):
    subscription = subscription_services.subscription_create(tenant=tenant, actor=tenant_admin,
                                                              plan=PlanFactory(price=Decimal("0.00")))
    assert subscription.status == S.ACTIVE and not subscription.invoices.exists()


def test_pending_tenant_and_hidden_plan_refused(tenant_admin):
    pending = TenantFactory(status=TenantStatus.PENDING)
    with pytest.raises(Conflict) as refused:
        subscription_services.subscription_create(tenant=pending, actor=None, plan=PlanFactory())
    assert refused.value.code == "tenant_not_approved"
    with pytest.raises(ServiceError) as hidden:
        subscription_services.subscription_create(tenant=tenant_admin.tenant, actor=tenant_admin,
                                                  plan=PlanFactory(is_public=False))
    assert hidden.value.code == "plan_unavailable"
    assert not Subscription.objects.exists()


def test_cancel_at_period_end_keeps_paid_time(tenant_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant)
    result = subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                       subscription=subscription)
    assert result.status == S.ACTIVE and result.cancel_at_period_end and not result.auto_renew
    with pytest.raises(Conflict) as again:
        subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                  subscription=subscription)
    assert again.value.code == "already_cancelled"


def test_only_staff_cancel_immediately(tenant_admin, super_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant)
    with pytest.raises(Forbidden):
        subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                  subscription=subscription, immediately=True)
    result = subscription_services.subscription_cancel(tenant=subscription.tenant, actor=super_admin,
                                                       subscription=subscription, immediately=True)
    assert result.status == S.CANCELLED and result.ended_on is not None


def test_submit_verify_pays_and_activates(tenant_admin, super_admin, django_capture_on_commit_callbacks):
    from django.core import mail

    subscription = subscription_services.subscription_create(tenant=tenant_admin.tenant, actor=tenant_admin,
                                                              plan=PlanFactory())
    invoice = subscription.invoices.get()
    payment = submitted_payment(invoice=invoice, actor=tenant_admin)
    subscription.refresh_from_db()
    assert subscription.status == S.PENDING_VERIFICATION
    assert payment.previous_subscription_status == S.PENDING_PAYMENT
    assert payment.proof_content_type == "application/pdf"
    assert not payment.proof.name.endswith("proof.pdf")  # stored under a random name
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.payment_verify(tenant=payment.tenant, actor=super_admin, payment=payment)
    payment.refresh_from_db()
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    assert (payment.status, payment.verification_status) == (PaymentStatus.COMPLETED, VerificationStatus.VERIFIED)
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at is not None
    assert subscription.status == S.ACTIVE
    assert (subscription.current_period_start, subscription.current_period_end) == (
        invoice.period_start, invoice.period_end)
    assert Notification.objects.filter(recipient=tenant_admin, type=NotificationType.PAYMENT_VERIFIED).exists()
    assert any("verified" in m.subject for m in mail.outbox)
    with pytest.raises(Conflict) as twice:
        payment_services.payment_verify(tenant=payment.tenant, actor=super_admin, payment=payment)
    assert twice.value.code == "payment_already_processed"


def test_reject_restores_previous_status(tenant_admin, super_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant, status=S.TRIAL)
    invoice = issued_invoice(subscription=subscription)
    payment = submitted_payment(invoice=invoice)
    with pytest.raises(ServiceError) as no_reason:
        payment_services.payment_reject(tenant=payment.tenant, actor=super_admin, payment=payment, reason=" ")
    assert no_reason.value.code == "reason_required"
    payment_services.payment_reject(tenant=payment.tenant, actor=super_admin, payment=payment, reason="Unreadable")
    payment.refresh_from_db()
    subscription.refresh_from_db()
    assert (payment.status, payment.verification_status) == (PaymentStatus.FAILED, VerificationStatus.REJECTED)
    assert subscription.status == S.TRIAL
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED
    with pytest.raises(Conflict):
        payment_services.payment_verify(tenant=payment.tenant, actor=super_admin, payment=payment)


def test_verify_reactivates_tenant_suspended_for_nonpayment(super_admin):
    subscription = SubscriptionFactory(status=S.EXPIRED)
    tenant = subscription.tenant
    tenant.status, tenant.is_suspended_for_nonpayment = TenantStatus.SUSPENDED, True
    tenant.save()
    payment = submitted_payment(invoice=issued_invoice(subscription=subscription))
    payment_services.payment_verify(tenant=tenant, actor=super_admin, payment=payment)
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE and not tenant.is_suspended_for_nonpayment


def test_verify_does_not_lift_a_staff_suspension(super_admin):
    subscription = SubscriptionFactory(status=S.PAST_DUE)
    tenant = subscription.tenant
    tenant.status = TenantStatus.SUSPENDED
    tenant.save()
    payment = submitted_payment(invoice=issued_invoice(subscription=subscription))
    payment_services.payment_verify(tenant=tenant, actor=super_admin, payment=payment)
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.SUSPENDED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": Decimal("0.00")}, "amount_not_positive"),
        ({"amount": Decimal("-5.00")}, "amount_not_positive"),
        ({"amount": Decimal("48.99")}, "amount_mismatch"),
        ({"currency": "EUR"}, "currency_mismatch"),
        ({"proof": SimpleUploadedFile("proof.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)}, "file_type_not_allowed"),
        ({"proof": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))}, "file_too_large"),
        ({"paid_on": datetime.date.today() + datetime.timedelta(days=3)}, "date_in_future"),
    ],
)
def test_submit_refuses_bad_input(changes, code):
    invoice = issued_invoice()
    kwargs = {"tenant": invoice.tenant, "actor": None, "invoice": invoice, "amount": invoice.total,
              "currency": "USD", "method": "BANK_TRANSFER", "paid_on": datetime.date.today(), "proof": pdf_upload()}
    kwargs.update(changes)
    with pytest.raises(ServiceError) as refused:
        payment_services.payment_submit(**kwargs)
    assert refused.value.code == code
    assert not Payment.objects.exists()
    assert Subscription.objects.get(pk=invoice.subscription_id).status == S.ACTIVE


def test_submit_refuses_another_tenants_and_closed_invoices(tenant):
    foreign = issued_invoice()
    with pytest.raises(ServiceError) as refused:
        payment_services.payment_submit(tenant=tenant, actor=None, invoice=foreign, amount=foreign.total,
                                        currency="USD", method="CARD", paid_on=datetime.date.today(),
                                        proof=pdf_upload())
    assert refused.value.code == "does_not_exist"
    paid = issued_invoice()
    paid = settlement.invoice_mark_paid(tenant=paid.tenant, actor=None, invoice=paid)
    void = issued_invoice()
    void = invoice_services.invoice_void(tenant=void.tenant, actor=None, invoice=void, reason="x")
    for closed in (paid, void):
        with pytest.raises(Conflict) as not_open:
            submitted_payment(invoice=closed)
        assert not_open.value.code == "invoice_not_open"
    assert not Payment.objects.exists()


def test_money_rounds_each_line_half_up_then_sums(tenant):
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # Decimal, not binary float (2.675 is 2.67499... as a float)
    assert money(Decimal("0.125")) == Decimal("0.13")  # half-up, not the banker's 0.12
    invoice = invoice_services.invoice_create(
        tenant=tenant, actor=None, currency="EUR", tax_rate=Decimal("19.00"),
        lines=[{"description": "A", "quantity": Decimal("3"), "unit_price": Decimal("0.335")},
               {"description": "B", "quantity": Decimal("1.5"), "unit_price": Decimal("10.01")},
               {"description": "C", "quantity": Decimal("0.5"), "unit_price": "0.25"},
               {"description": "D", "quantity": 1, "unit_price": "0.10"}],
    )
    lines = list(invoice.lines.all())
    # A price is kept to the cent (0.335 -> 0.34), and each line's amount is its printed quantity x price,
    # rounded half-up: 3 x 0.34 = 1.02, 1.5 x 10.01 = 15.015 -> 15.02, 0.5 x 0.25 = 0.125 -> 0.13.
    assert [line.unit_price for line in lines] == [Decimal("0.34"), Decimal("10.01"), Decimal("0.25"), Decimal("0.10")]
    assert [line.amount for line in lines] == [Decimal("1.02"), Decimal("15.02"), Decimal("0.13"), Decimal("0.10")]
    assert all(line.amount == money(line.quantity * line.unit_price) for line in lines)
    assert invoice.subtotal == sum(line.amount for line in lines) == Decimal("16.27")
    assert invoice.tax == Decimal("3.09")  # 16.27 x 19% = 3.0913
    assert invoice.total == invoice.subtotal + invoice.tax == Decimal("19.36")
    stored = Invoice.objects.get(pk=invoice.pk)
    assert all(isinstance(v, Decimal) for v in (stored.subtotal, stored.tax, stored.total))
    assert (stored.subtotal, stored.tax, stored.total) == (Decimal("16.27"), Decimal("3.09"), Decimal("19.36"))
    amounts = [line.amount for line in lines]
    assert invoice_totals(amounts=amounts, tax_rate=Decimal("0")) == (Decimal("16.27"), Decimal("0.00"),
                                                                      Decimal("16.27"))
    # Tax rounds half-up too: 0.50 x 5% = 0.025 -> 0.03.
    assert invoice_totals(amounts=[Decimal("0.50")], tax_rate=Decimal("5")) == (Decimal("0.50"), Decimal("0.03"),
                                                                                Decimal("0.53"))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"lines": []}, "lines_required"),
        ({"lines": [{"description": "A", "quantity": 0, "unit_price": 1}]}, "line_invalid"),
        ({"lines": [{"description": "A", "quantity": 1, "unit_price": -1}]}, "line_invalid"),
        ({"lines": [{"description": "A", "quantity": 1, "unit_price": 0}]}, "amount_invalid"),
        ({"lines": [{"description": "A", "quantity": 1, "unit_price": "abc"}]}, "invalid_number"),
        ({"tax_rate": Decimal("101")}, "tax_rate_invalid"),
        ({"currency": "EURO"}, "currency_invalid"),
    ],
)
def test_invoice_create_refuses_bad_input(tenant, fields, code):
    kwargs = {"lines": [{"description": "A", "quantity": 1, "unit_price": 5}], **fields}
    with pytest.raises(ServiceError) as refused:
        invoice_services.invoice_create(tenant=tenant, actor=None, **kwargs)
    assert refused.value.code == code
    assert not Invoice.objects.exists()


def test_numbers_are_sequential_per_year_and_snapshot_parties(tenant, settings):
    settings.INVOICE_ISSUER = {"name": "Issuer GmbH", "address": "Street 1", "tax_id": "DE1", "email": "b@i.example"}
    tenant.settings.legal_name, tenant.settings.tax_id = "Alpha Legal Ltd", "GB123"
    tenant.settings.save()
    lines = [{"description": "Work", "quantity": 1, "unit_price": 10}]
    numbers = [invoice_services.invoice_create_and_issue(tenant=tenant, actor=None, lines=lines,
                                                         issued_on=datetime.date(2026, 12, 31)).number
               for _ in range(3)]
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    next_year = invoice_services.invoice_create_and_issue(tenant=tenant, actor=None, lines=lines,
                                                          issued_on=datetime.date(2027, 1, 1))
    assert next_year.number == "INV-2027-000001"
    assert dict(InvoiceSequence.objects.values_list("year", "last_number")) == {2026: 3, 2027: 1}
    assert (next_year.bill_to_name, next_year.bill_to_tax_id, next_year.issuer_name) == (
        "Alpha Legal Ltd", "GB123", "Issuer GmbH")
    tenant.settings.legal_name = "Renamed"
    tenant.settings.save()
    next_year.refresh_from_db()
    assert next_year.bill_to_name == "Alpha Legal Ltd"


def test_void_keeps_the_number_used(tenant):
    lines = [{"description": "Work", "quantity": 1, "unit_price": 10}]
    first = invoice_services.invoice_create_and_issue(tenant=tenant, actor=None, lines=lines)
    invoice_services.invoice_void(tenant=tenant, actor=None, invoice=first, reason="Wrong amount")
    second = invoice_services.invoice_create_and_issue(tenant=tenant, actor=None, lines=lines)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_change_plan_takes_effect_next_period(tenant_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant)
    renewal = issued_invoice(subscription=subscription)
    bigger = PlanFactory(price=Decimal("99.00"))
    subscription_services.subscription_change_plan(tenant=subscription.tenant, actor=tenant_admin,
                                                   subscription=subscription, plan=bigger)
    subscription.refresh_from_db()
    renewal.refresh_from_db()
    assert subscription.plan_id != bigger.pk and subscription.next_plan_id == bigger.pk
    assert renewal.status == InvoiceStatus.VOID
    reissued = subscription.invoices.get(status=InvoiceStatus.ISSUED)
    assert reissued.total == Decimal("99.00") and reissued.plan == bigger
    settlement.invoice_mark_paid(tenant=subscription.tenant, actor=None, invoice=reissued)
    subscription.refresh_from_db()
    assert subscription.plan == bigger and subscription.next_plan is None


def test_extend_moves_period_end(super_admin):
    subscription = SubscriptionFactory(status=S.TRIAL)
    end = subscription.current_period_end
    subscription_services.subscription_extend(tenant=subscription.tenant, actor=super_admin,
                                              subscription=subscription, days=10)
    subscription.refresh_from_db()
    assert subscription.current_period_end == end + datetime.timedelta(days=10) == subscription.trial_ends_on
    with pytest.raises(ServiceError):
        subscription_services.subscription_extend(tenant=subscription.tenant, actor=super_admin,
                                                  subscription=subscription, days=0)


def test_limits_come_from_the_current_plan_or_free(tenant):
    assert limits.limits_for(tenant) == {}  # no subscription, no Free plan: unlimited
    PlanFactory(code="free", price=Decimal("0"), max_users=2, max_teams=1, max_tasks=10, max_storage_mb=5)
    assert limits.limits_for(tenant)["users"] == 2
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(max_users=3))
    assert limits.limits_for(tenant) == {"users": 3, "teams": 5, "tasks": 100, "storage_mb": 1000}
    UserFactory(tenant=tenant)
    UserFactory(tenant=tenant)
    UserFactory(tenant=tenant)
    with pytest.raises(PlanLimitReached) as reached:
        limits.check(tenant=tenant, resource="users")
    assert reached.value.code == "plan_limit_reached" and reached.value.fields["limit"] == "users"
    report = {row["resource"]: row for row in limits.usage_report(tenant)}
    assert report["users"] == {"resource": "users", "used": 3, "limit": 3}


def test_a_failed_submission_leaves_no_proof_in_storage(monkeypatch):
    invoice = issued_invoice()
    before = billing_state()

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("the row could not be written")

    monkeypatch.setattr(Payment, "save", broken_save)
    with pytest.raises(DatabaseError):
        submitted_payment(invoice=invoice)
    assert billing_state() == before  # no row, the subscription not held, and no orphaned file
    assert not stored_files()


def test_refused_submissions_store_nothing(tenant):
    invoice = issued_invoice()
    for changes in ({"amount": Decimal("1.00")}, {"currency": "EUR"}, {"tenant": tenant},
                    {"paid_on": datetime.date(2000, 1, 1)}):
        kwargs = {"tenant": invoice.tenant, "actor": None, "invoice": invoice, "amount": invoice.total,
                  "currency": "USD", "method": "BANK_TRANSFER", "paid_on": datetime.date.today(),
                  "proof": pdf_upload(), **changes}
        with pytest.raises(ServiceError):
            payment_services.payment_submit(**kwargs)
    assert not Payment.objects.exists() and not stored_files()
