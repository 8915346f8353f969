"""Billing selectors: the tenant-scoped reads need a tenant; staff's cross-tenant reads are named as such."""

import inspect

import pytest
from django.db import transaction

from billing import selectors
from billing.services.subscriptions import lock_open_invoices, lock_subscription
from billing.tests.factories import SubscriptionFactory, issued_invoice, submitted_payment
from tenancy.exceptions import NotFound
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

SCOPED = (selectors.subscription_list, selectors.payment_list, selectors.invoice_list)


@pytest.mark.parametrize("selector", SCOPED, ids=lambda f: f.__name__)
def test_tenant_scoped_selectors_require_a_tenant(selector):
    parameter = inspect.signature(selector).parameters["tenant"]
    assert parameter.default is inspect.Parameter.empty
    with pytest.raises(TypeError):
        selector()


def test_scoped_reads_return_one_tenant_and_all_tenants_reads_return_both():
    ours, theirs = issued_invoice(), issued_invoice()
    submitted_payment(invoice=ours)
    submitted_payment(invoice=theirs)
    tenant = ours.tenant
    assert set(selectors.invoice_list(tenant=tenant).values_list("pk", flat=True)) == {ours.pk}
    assert set(selectors.payment_list(tenant=tenant).values_list("tenant", flat=True)) == {tenant.pk}
    assert set(selectors.subscription_list(tenant=tenant).values_list("tenant", flat=True)) == {tenant.pk}
    assert {ours.pk, theirs.pk} <= set(selectors.invoice_list_for_all_tenants().values_list("pk", flat=True))
    assert {ours.tenant_id, theirs.tenant_id} <= set(
        selectors.payment_list_for_all_tenants().values_list("tenant", flat=True))
    assert {ours.tenant_id, theirs.tenant_id} <= set(
        selectors.subscription_list_for_all_tenants().values_list("tenant", flat=True))


def test_locking_another_tenants_subscription_is_a_404():
    subscription = SubscriptionFactory()
    other = TenantFactory()
    with transaction.atomic():
        with pytest.raises(NotFound):
            lock_subscription(subscription, tenant=other)
        assert lock_subscription(subscription, tenant=subscription.tenant).pk == subscription.pk
        with pytest.raises(TypeError):
            lock_open_invoices(subscription)
