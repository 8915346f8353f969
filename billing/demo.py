"""Billing demo data, called by the `seed_demo` command: plans and subscriptions in several states.

Everything goes through the services, so the demo's invoices have real numbers and its payment a
real (small) PDF proof. Idempotent: a plan is created once by its code, and a tenant that already
has a subscription is left alone.
"""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from billing.models import BillingPeriod, InvoiceStatus, PaymentMethod, Plan, Subscription
from billing.services.invoices import invoice_create_and_issue
from billing.services.payments import payment_submit, payment_verify
from billing.services.subscriptions import subscription_create
from tenancy.models import Tenant, TenantStatus

PLANS = [
    {"code": "free", "name": "Free", "description": "For trying the platform with a small team.",
     "price": Decimal("0.00"), "trial_days": 0, "max_users": 3, "max_teams": 1, "max_tasks": 50,
     "max_storage_mb": 100, "order": 1},
    {"code": "starter", "name": "Starter", "description": "For small teams getting organised.",
     "price": Decimal("19.00"), "trial_days": 14, "max_users": 10, "max_teams": 3, "max_tasks": 500,
     "max_storage_mb": 1024, "order": 2},
    {"code": "professional", "name": "Professional", "description": "For growing companies.",
     "price": Decimal("49.00"), "trial_days": 0, "max_users": 50, "max_teams": 20, "max_tasks": 5000,
     "max_storage_mb": 10240, "order": 3},
    {"code": "enterprise", "name": "Enterprise", "description": "Unlimited users, teams and tasks.",
     "price": Decimal("199.00"), "trial_days": 0, "max_users": None, "max_teams": None, "max_tasks": None,
     "max_storage_mb": 102400, "order": 4},
]


def minimal_pdf(text: str) -> bytes:
    """Return a small, valid one-page PDF showing `text` (payment proofs for demos and tests)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 16 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed_plans() -> dict[str, Plan]:
    plans = {}
    for spec in PLANS:
        fields = {key: value for key, value in spec.items() if key != "code"}
        plans[spec["code"]], _ = Plan.objects.get_or_create(
            code=spec["code"], defaults={**fields, "currency": "USD", "period": BillingPeriod.MONTHLY})
    return plans


def _proof(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("transfer-receipt.pdf", minimal_pdf(text), content_type="application/pdf")


def _submit(tenant: Tenant, subscription: Subscription, reference: str):
    invoice = subscription.invoices.get(status=InvoiceStatus.ISSUED)
    return payment_submit(tenant=tenant, actor=None, invoice=invoice, amount=invoice.total,
                          currency=invoice.currency, method=PaymentMethod.BANK_TRANSFER,
                          paid_on=timezone.localdate(), reference=reference,
                          proof=_proof(f"Bank transfer {reference}: {invoice.total} {invoice.currency}"))


def _seed_active(tenant: Tenant, plans: dict[str, Plan]) -> None:
    """Professional, first invoice paid by a verified transfer, plus an open onboarding invoice."""
    subscription = subscription_create(tenant=tenant, actor=None, plan=plans["professional"])
    payment = _submit(tenant, subscription, "ACME-0001")
    payment_verify(tenant=tenant, actor=None, payment=payment)
    invoice_create_and_issue(tenant=tenant, actor=None, currency="USD", notes="Thank you for your business.",
                             lines=[{"description": "Onboarding workshop (half day)", "quantity": 1,
                                     "unit_price": Decimal("350.00")},
                                    {"description": "Data import", "quantity": Decimal("2.5"),
                                     "unit_price": Decimal("80.00")}])


def _seed_pending_verification(tenant: Tenant, plans: dict[str, Plan]) -> None:
    """Professional, first invoice with a transfer proof waiting for staff."""
    subscription = subscription_create(tenant=tenant, actor=None, plan=plans["professional"])
    _submit(tenant, subscription, "TECH-0001")


def _seed_trial(tenant: Tenant, plans: dict[str, Plan]) -> None:
    subscription_create(tenant=tenant, actor=None, plan=plans["starter"])


SCENARIOS = {"acme": _seed_active, "tech": _seed_pending_verification, "customdomain": _seed_trial}


@transaction.atomic
def seed(*, tenants: dict) -> None:
    """Create the plans and the demo tenants' subscriptions (keys acme, tech, customdomain; newco stays bare)."""
    plans = seed_plans()
    for key, scenario in SCENARIOS.items():
        tenant = tenants.get(key)
        if tenant is None or Subscription.objects.filter(tenant=tenant).exists():
            continue
        if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
            continue
        scenario(tenant, plans)
