"""The state tables: every allowed transition happens, every refused one answers its code and changes nothing."""

import datetime
import itertools

import pytest
from django.db import transaction

from billing.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus, VerificationStatus
from billing.services import invoices as invoice_services
from billing.services import settlement
from billing.services import subscriptions as subscription_services
from billing.services.subscriptions import lock_subscription, subscription_set_status
from billing.tests.factories import (
    InvoiceFactory,
    SubscriptionFactory,
    billing_state,
    issued_invoice,
    submitted_payment,
)
from tenancy.exceptions import Conflict, InvalidTransition

pytestmark = pytest.mark.django_db

S = SubscriptionStatus


@transaction.atomic
def _transition(subscription: Subscription, to: str) -> None:
    locked = lock_subscription(subscription, tenant=subscription.tenant)
    subscription_set_status(locked, to)
    locked.save(update_fields=["status"])


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, S.values)))
def test_subscription_table(source, target):
    subscription = SubscriptionFactory(status=source)
    before = billing_state()
    if target in DOCUMENTED_SUBSCRIPTION_TABLE[source]:
        _transition(subscription, target)
        assert Subscription.objects.get(pk=subscription.pk).status == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            _transition(subscription, target)
        assert refused.value.code == "invalid_transition"
        assert refused.value.status_code == 409
        assert billing_state() == before


# The tables as DESIGN section 5 and billing/README.md describe them, written out here independently of
# the model, so that a change to the model's table fails this test instead of silently moving it.
DOCUMENTED_SUBSCRIPTION_TABLE = {
    "TRIAL": {"PENDING_VERIFICATION", "ACTIVE", "PAST_DUE", "CANCELLED"},
    "PENDING_PAYMENT": {"PENDING_VERIFICATION", "ACTIVE", "EXPIRED", "CANCELLED"},
    "PENDING_VERIFICATION": {"ACTIVE", "TRIAL", "PENDING_PAYMENT", "PAST_DUE", "EXPIRED"},
    "ACTIVE": {"PENDING_VERIFICATION", "ACTIVE", "PAST_DUE", "CANCELLED"},
    "PAST_DUE": {"PENDING_VERIFICATION", "ACTIVE", "EXPIRED", "CANCELLED"},
    "EXPIRED": {"PENDING_VERIFICATION", "ACTIVE"},
    "CANCELLED": set(),
}
DOCUMENTED_INVOICE_TABLE = {"DRAFT": {"ISSUED", "VOID"}, "ISSUED": {"PAID", "VOID"}, "PAID": {"VOID"},
                            "VOID": set()}


def test_the_tables_are_the_documented_ones():
    assert {str(k): {str(v) for v in vs} for k, vs in Subscription.TRANSITIONS.items()} == \
        DOCUMENTED_SUBSCRIPTION_TABLE
    assert {str(k): {str(v) for v in vs} for k, vs in Invoice.TRANSITIONS.items()} == DOCUMENTED_INVOICE_TABLE
    assert set(DOCUMENTED_SUBSCRIPTION_TABLE) == set(S.values)
    assert set(DOCUMENTED_INVOICE_TABLE) == set(InvoiceStatus.values)


def _invoice_in(status: str) -> Invoice:
    invoice = InvoiceFactory()
    if status == InvoiceStatus.DRAFT:
        return invoice
    invoice = invoice_services.invoice_issue(tenant=invoice.tenant, actor=None, invoice=invoice)
    if status == InvoiceStatus.PAID:
        invoice = settlement.invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice)
    elif status == InvoiceStatus.VOID:
        invoice = invoice_services.invoice_void(tenant=invoice.tenant, actor=None, invoice=invoice, reason="test")
    return invoice


INVOICE_SERVICES = {
    InvoiceStatus.ISSUED: lambda invoice: invoice_services.invoice_issue(
        tenant=invoice.tenant, actor=None, invoice=invoice),
    InvoiceStatus.PAID: lambda invoice: settlement.invoice_mark_paid(
        tenant=invoice.tenant, actor=None, invoice=invoice),
    InvoiceStatus.VOID: lambda invoice: invoice_services.invoice_void(
        tenant=invoice.tenant, actor=None, invoice=invoice, reason="wrong amount"),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(InvoiceStatus.values, INVOICE_SERVICES)))
def test_invoice_table_through_services(source, target):
    invoice = _invoice_in(source)
    before = billing_state()
    if target in DOCUMENTED_INVOICE_TABLE[source]:
        INVOICE_SERVICES[target](invoice)
        assert Invoice.objects.get(pk=invoice.pk).status == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            INVOICE_SERVICES[target](invoice)
        assert refused.value.code == "invalid_transition"
        assert billing_state() == before  # the number counter did not move either


@pytest.mark.parametrize("status", S.values)
def test_cancel_by_status(status, tenant_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant, status=status)
    before = billing_state()
    if "CANCELLED" in DOCUMENTED_SUBSCRIPTION_TABLE[status]:
        subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                  subscription=subscription)
        after = Subscription.objects.get(pk=subscription.pk)
        # Paid time left (trial or active): at period end; nothing paid ahead: at once.
        if status in (S.TRIAL, S.ACTIVE):
            assert (after.status, after.cancel_at_period_end) == (status, True)
        else:
            assert after.status == S.CANCELLED and after.ended_on is not None
    else:
        with pytest.raises(InvalidTransition) as refused:
            subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                      subscription=subscription)
        assert refused.value.code == "invalid_transition"
        assert billing_state() == before


# A payment proof moves the subscription to PENDING_VERIFICATION; staff's mark-paid moves it to ACTIVE.
SUBMIT_REFUSALS = {S.PENDING_VERIFICATION: "invalid_transition", S.CANCELLED: "subscription_cancelled"}
MARK_PAID_REFUSALS = {S.PENDING_VERIFICATION: "payment_pending"}


def _subscription_in(status: str) -> Subscription:
    """A subscription in `status` with an issued invoice (and, if verifying, a proof for another one)."""
    subscription = SubscriptionFactory(status=S.ACTIVE)
    if status == S.PENDING_VERIFICATION:
        submitted_payment(invoice=issued_invoice(subscription=subscription))
    Subscription.objects.filter(pk=subscription.pk).update(status=status)
    return subscription


@pytest.mark.parametrize("status", S.values)
def test_submit_by_subscription_status(status):
    subscription = _subscription_in(status)
    invoice = issued_invoice(subscription=subscription, period_start=subscription.current_period_end
                             + datetime.timedelta(days=31))
    before = billing_state()
    if status in SUBMIT_REFUSALS:
        with pytest.raises(Conflict) as refused:
            submitted_payment(invoice=invoice)
        assert refused.value.code == SUBMIT_REFUSALS[status]
        assert billing_state() == before
    else:
        payment = submitted_payment(invoice=invoice)
        assert Subscription.objects.get(pk=subscription.pk).status == S.PENDING_VERIFICATION
        assert payment.previous_subscription_status == status


@pytest.mark.parametrize("status", S.values)
def test_mark_paid_by_subscription_status(status):
    subscription = _subscription_in(status)
    if status == S.PENDING_VERIFICATION:  # the invoice whose proof staff have not decided yet
        invoice = subscription.invoices.get(payments__verification_status=VerificationStatus.PENDING)
    else:
        invoice = issued_invoice(subscription=subscription)
    before = billing_state()
    if status in MARK_PAID_REFUSALS:
        with pytest.raises(Conflict) as refused:
            settlement.invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice)
        assert refused.value.code == MARK_PAID_REFUSALS[status]
        assert billing_state() == before
    else:
        settlement.invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice)
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
        # A cancelled subscription stays cancelled: the money is recorded, nothing is reactivated.
        expected = S.CANCELLED if status == S.CANCELLED else S.ACTIVE
        assert Subscription.objects.get(pk=subscription.pk).status == expected


def test_issued_invoice_refuses_a_second_payment_while_one_waits():
    invoice = issued_invoice()
    submitted_payment(invoice=invoice)
    with pytest.raises(Exception) as refused:
        submitted_payment(invoice=invoice)
    assert refused.value.code == "payment_pending"
    assert invoice.payments.count() == 1
