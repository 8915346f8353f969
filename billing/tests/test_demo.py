"""The billing demo data: every subscription state the demo promises, and idempotent."""

import io

import pytest
from pypdf import PdfReader

from billing import demo
from billing.models import Invoice, InvoiceStatus, Payment, Plan, Subscription, SubscriptionStatus
from tenancy.models import TenantStatus
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return tuple(model.objects.count() for model in (Plan, Subscription, Invoice, Payment))


def test_seed_is_idempotent_and_covers_the_states():
    tenants = {
        "acme": TenantFactory(slug="acme", name="Acme Corporation"),
        "tech": TenantFactory(slug="tech", name="Tech Innovators"),
        "customdomain": TenantFactory(slug="customdomain", name="Custom Domain Co."),
        "newco": TenantFactory(slug="newco", name="NewCo", status=TenantStatus.PENDING),
    }
    demo.seed(tenants=tenants)
    first = _counts()
    demo.seed(tenants=tenants)
    assert _counts() == first
    assert set(Plan.objects.values_list("code", flat=True)) == {"free", "starter", "professional", "enterprise"}

    status = {key: Subscription.objects.filter(tenant=t).values_list("status", flat=True).first()
              for key, t in tenants.items()}
    assert status == {"acme": SubscriptionStatus.ACTIVE, "tech": SubscriptionStatus.PENDING_VERIFICATION,
                      "customdomain": SubscriptionStatus.TRIAL, "newco": None}
    acme_invoices = set(Invoice.objects.filter(tenant=tenants["acme"]).values_list("status", flat=True))
    assert acme_invoices == {InvoiceStatus.PAID, InvoiceStatus.ISSUED}
    waiting = Payment.objects.get(tenant=tenants["tech"])
    assert waiting.is_awaiting_verification
    with waiting.proof.open("rb") as proof:
        text = PdfReader(io.BytesIO(proof.read())).pages[0].extract_text()
    assert "TECH-0001" in text
