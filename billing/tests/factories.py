"""Billing factories: the tenant always comes from the parent object (subscription, invoice)."""

import datetime
from decimal import Decimal
from pathlib import Path

import factory
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import (
    BillingPeriod,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from tenancy.files import minimal_pdf
from tenancy.tests.factories import TenantFactory


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan{n}")
    name = factory.LazyAttribute(lambda p: p.code.title())
    price = Decimal("49.00")
    currency = "USD"
    period = BillingPeriod.MONTHLY
    trial_days = 0
    max_users = 10
    max_teams = 5
    max_tasks = 100
    max_storage_mb = 1000


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    tenant = factory.SubFactory(TenantFactory)
    plan = factory.SubFactory(PlanFactory)
    status = SubscriptionStatus.ACTIVE
    price = factory.LazyAttribute(lambda s: s.plan.price)
    currency = factory.LazyAttribute(lambda s: s.plan.currency)
    period = factory.LazyAttribute(lambda s: s.plan.period)
    started_on = factory.LazyFunction(timezone.localdate)
    current_period_start = factory.LazyFunction(timezone.localdate)
    current_period_end = factory.LazyAttribute(lambda s: s.current_period_start + datetime.timedelta(days=30))


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A DRAFT invoice with one line; issue it through `invoice_issue` to give it a number.

    Created paid (status PAID or VOID with `paid_at`, as if settled in the past), it is added to its month's
    revenue through `revenue_record`, as the settlement would have done.
    """

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    subscription = factory.SubFactory(SubscriptionFactory)
    tenant = factory.LazyAttribute(lambda i: i.subscription.tenant)
    plan = factory.LazyAttribute(lambda i: i.subscription.plan)
    kind = InvoiceKind.RENEWAL
    status = InvoiceStatus.DRAFT
    currency = "USD"
    subtotal = Decimal("49.00")
    total = Decimal("49.00")
    period_start = factory.LazyAttribute(lambda i: i.subscription.current_period_end)
    period_end = factory.LazyAttribute(lambda i: i.period_start + datetime.timedelta(days=30))

    @factory.post_generation
    def with_line(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            InvoiceLine.objects.create(tenant=obj.tenant, invoice=obj, description="Subscription",
                                       unit_price=obj.subtotal, amount=obj.subtotal)

    @factory.post_generation
    def record_revenue(obj, create, extracted, **kwargs):
        from billing.services.revenue import COUNTED_STATUSES, revenue_record

        if create and obj.paid_at is not None and obj.status in COUNTED_STATUSES:
            revenue_record(obj)


def pdf_upload(name: str = "proof.pdf", text: str = "Bank transfer receipt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def issued_invoice(**kwargs) -> Invoice:
    """Build a draft with InvoiceFactory and issue it through the service (numbered, snapshotted)."""
    from billing.services.invoices import invoice_issue

    if "tenant" in kwargs and "subscription" not in kwargs:  # the subscription is the tenant's too
        kwargs["subscription"] = SubscriptionFactory(tenant=kwargs["tenant"])
    invoice = InvoiceFactory(**kwargs)
    return invoice_issue(tenant=invoice.tenant, actor=None, invoice=invoice)


def submitted_payment(*, invoice: Invoice, actor=None):
    """Submit a payment proof for `invoice` through the service."""
    from billing.services.payments import payment_submit

    return payment_submit(tenant=invoice.tenant, actor=actor, invoice=invoice, amount=invoice.total,
                          currency=invoice.currency, method="BANK_TRANSFER", paid_on=timezone.localdate(),
                          proof=pdf_upload(), reference="TRX-1")


def manual_invoice(tenant, amount="120.00") -> Invoice:
    """Create and issue a one-line invoice outside any subscription (as staff do)."""
    from billing.services.invoices import invoice_create_and_issue

    return invoice_create_and_issue(
        tenant=tenant, actor=None, lines=[{"description": "Consulting", "quantity": 1, "unit_price": amount}])


def payment_body(target: Invoice, **changes) -> dict:
    """The multipart body of a valid payment for `target`, with `changes` applied."""
    body = {"invoice": target.pk, "amount": str(target.total), "currency": target.currency,
            "method": "BANK_TRANSFER", "reference": "TRX-9", "paid_on": timezone.localdate().isoformat(),
            "proof": pdf_upload()}
    body.update(changes)
    return body


def stored_files() -> list[str]:
    """Every file under MEDIA_ROOT (a refused upload must leave none behind)."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def billing_state() -> dict:
    """Every billing row, the tenants and the stored files, as plain values: "nothing changed" compares two."""
    from billing.models import InvoiceSequence, Payment
    from tenancy.models import Tenant

    models = (Plan, Subscription, Invoice, InvoiceLine, InvoiceSequence, Payment, Tenant)
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    state["files"] = stored_files()
    return state
