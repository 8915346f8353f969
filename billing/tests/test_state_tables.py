"""The state tables: every allowed transition happens, every refused one answers its code and changes nothing."""

import itertools

import pytest
from django.db import transaction

from billing.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from billing.services import invoices as invoice_services
from billing.services import subscriptions as subscription_services
from billing.services.subscriptions import lock_subscription, subscription_set_status
from billing.tests.factories import InvoiceFactory, SubscriptionFactory, issued_invoice, submitted_payment
from tenancy.exceptions import InvalidTransition

pytestmark = pytest.mark.django_db

S = SubscriptionStatus


@transaction.atomic
def _transition(subscription: Subscription, to: str) -> None:
    locked = lock_subscription(subscription)
    subscription_set_status(locked, to)
    locked.save(update_fields=["status"])


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, S.values)))
def test_subscription_table(source, target):
    subscription = SubscriptionFactory(status=source)
    allowed = target in Subscription.TRANSITIONS[source]
    if allowed:
        _transition(subscription, target)
        assert Subscription.objects.get(pk=subscription.pk).status == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            _transition(subscription, target)
        assert refused.value.code == "invalid_transition"
        assert refused.value.status_code == 409
        assert Subscription.objects.get(pk=subscription.pk).status == source


def test_every_status_has_a_row():
    assert set(Subscription.TRANSITIONS) == set(S.values)
    assert set(Invoice.TRANSITIONS) == set(InvoiceStatus.values)
    assert Subscription.TRANSITIONS[S.CANCELLED] == set()


def _invoice_in(status: str) -> Invoice:
    invoice = InvoiceFactory()
    if status == InvoiceStatus.DRAFT:
        return invoice
    invoice = invoice_services.invoice_issue(tenant=invoice.tenant, actor=None, invoice=invoice)
    if status == InvoiceStatus.PAID:
        invoice = invoice_services.invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice)
    elif status == InvoiceStatus.VOID:
        invoice = invoice_services.invoice_void(tenant=invoice.tenant, actor=None, invoice=invoice, reason="test")
    return invoice


INVOICE_SERVICES = {
    InvoiceStatus.ISSUED: lambda invoice: invoice_services.invoice_issue(
        tenant=invoice.tenant, actor=None, invoice=invoice),
    InvoiceStatus.PAID: lambda invoice: invoice_services.invoice_mark_paid(
        tenant=invoice.tenant, actor=None, invoice=invoice),
    InvoiceStatus.VOID: lambda invoice: invoice_services.invoice_void(
        tenant=invoice.tenant, actor=None, invoice=invoice, reason="wrong amount"),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(InvoiceStatus.values, INVOICE_SERVICES)))
def test_invoice_table_through_services(source, target):
    invoice = _invoice_in(source)
    before = Invoice.objects.values().get(pk=invoice.pk)
    if target in Invoice.TRANSITIONS[source]:
        INVOICE_SERVICES[target](invoice)
        assert Invoice.objects.get(pk=invoice.pk).status == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            INVOICE_SERVICES[target](invoice)
        assert refused.value.code == "invalid_transition"
        after = Invoice.objects.values().get(pk=invoice.pk)
        assert after == before


@pytest.mark.parametrize("status", S.values)
def test_cancel_by_status(status, tenant_admin):
    subscription = SubscriptionFactory(tenant=tenant_admin.tenant, status=status)
    before = Subscription.objects.values().get(pk=subscription.pk)
    if S.CANCELLED in Subscription.TRANSITIONS[status]:
        subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                  subscription=subscription)
        after = Subscription.objects.get(pk=subscription.pk)
        assert after.status == S.CANCELLED or after.cancel_at_period_end
    else:
        with pytest.raises(InvalidTransition):
            subscription_services.subscription_cancel(tenant=subscription.tenant, actor=tenant_admin,
                                                      subscription=subscription)
        assert Subscription.objects.values().get(pk=subscription.pk) == before


def test_issued_invoice_refuses_a_second_payment_while_one_waits():
    invoice = issued_invoice()
    submitted_payment(invoice=invoice)
    with pytest.raises(Exception) as refused:
        submitted_payment(invoice=invoice)
    assert refused.value.code == "payment_pending"
    assert invoice.payments.count() == 1
