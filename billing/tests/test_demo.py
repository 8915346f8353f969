"""The billing demo data: every subscription state the demo promises, on any day, and idempotent."""

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from billing import demo
from billing.conf import billing_settings
from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    Plan,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services.limits import plan_limits_for_tenant
from tenancy import demo as tenancy_demo
from tenancy.models import Notification, NotificationType, Tenant, TenantStatus

pytestmark = pytest.mark.django_db
S = SubscriptionStatus

EXPECTED = {
    "acme": S.ACTIVE,
    "tech": S.PENDING_VERIFICATION,
    "customdomain": S.TRIAL,
    "hooli": S.PENDING_PAYMENT,
    "globex": S.PAST_DUE,
    "initech": S.EXPIRED,
    "umbrella": S.CANCELLED,
    "newco": None,
}


def _snapshot() -> dict:
    """Every row the billing seed can create or change, as plain values."""
    models = (Plan, Subscription, Invoice, InvoiceLine, InvoiceSequence, Payment, Tenant, Notification)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def _seed() -> dict:
    tenants = tenancy_demo.seed()
    demo.seed(tenants=tenants)
    return tenants


def _only(tenant) -> Subscription:
    return Subscription.objects.get(tenant=tenant)


def test_seed_covers_every_state_and_a_second_run_changes_nothing():
    tenants = _seed()
    first = _snapshot()
    demo.seed(tenants=tenancy_demo.seed())
    assert _snapshot() == first
    assert set(Plan.objects.values_list("code", flat=True)) == {"free", "starter", "professional", "enterprise"}

    status = {key: Subscription.objects.filter(tenant=t).values_list("status", flat=True).first()
              for key, t in tenants.items()}
    assert status == EXPECTED
    assert set(status.values()) - {None} == set(S.values)  # all seven
    assert Subscription.objects.count() == 7

    acme_invoices = set(Invoice.objects.filter(tenant=tenants["acme"]).values_list("status", flat=True))
    assert acme_invoices == {InvoiceStatus.PAID, InvoiceStatus.ISSUED}
    waiting = Payment.objects.get(verification_status=VerificationStatus.PENDING)
    assert waiting.tenant == tenants["tech"] and waiting.submitted_by.email == "admin@techinnovators.com"
    with waiting.proof.open("rb") as proof:
        text = PdfReader(io.BytesIO(proof.read())).pages[0].extract_text()
    assert "TECH-0002" in text
    assert waiting.invoice.kind == InvoiceKind.RENEWAL and waiting.previous_subscription_status == S.ACTIVE

    # Numbers are gapless across the whole demo.
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == sum(InvoiceSequence.objects.values_list("last_number", flat=True))
    # ... and follow the issue dates, although three histories were back-dated.
    dates = [issued for _, issued in sorted(Invoice.objects.exclude(number=None).values_list("number", "issued_on"))]
    assert dates == sorted(dates)


def _assert_states(tenants: dict, today: datetime.date) -> None:
    # Hooli replays the unpaid enterprise journey: overdue, reminded, on the Free plan's limits until it expires.
    hooli = _only(tenants["hooli"])
    first = hooli.invoices.get()
    assert (first.kind, first.status) == (InvoiceKind.FIRST, InvoiceStatus.ISSUED) and not first.payments.exists()
    assert hooli.plan.code == "enterprise" and first.due_on < today
    assert today < first.due_on + datetime.timedelta(days=billing_settings().grace_days)
    assert Notification.objects.filter(tenant=tenants["hooli"], type=NotificationType.INVOICE_OVERDUE).count() == 1
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)):
        assert plan_limits_for_tenant(tenants["hooli"]) == Plan.objects.get(code="free").limits()

    globex = _only(tenants["globex"])
    renewal = globex.invoices.get(kind=InvoiceKind.RENEWAL)
    assert renewal.status == InvoiceStatus.ISSUED and renewal.due_on < today  # overdue
    assert renewal.period_start == globex.current_period_end == globex.past_due_since < today
    assert globex.invoices.get(kind=InvoiceKind.FIRST).status == InvoiceStatus.PAID
    assert tenants["globex"].status == TenantStatus.ACTIVE  # grace running, service continues
    assert Notification.objects.filter(tenant=tenants["globex"], type=NotificationType.INVOICE_OVERDUE).exists()

    initech = _only(tenants["initech"])
    tenant = Tenant.objects.get(pk=tenants["initech"].pk)
    assert tenant.status == TenantStatus.SUSPENDED and tenant.is_suspended_for_nonpayment
    assert initech.expired_on == initech.past_due_since + datetime.timedelta(days=billing_settings().grace_days)
    assert initech.expired_on <= today
    assert initech.invoices.get(kind=InvoiceKind.RENEWAL).status == InvoiceStatus.ISSUED  # what it can pay
    assert Notification.objects.filter(tenant=tenant, type=NotificationType.SUBSCRIPTION_EXPIRED).count() == 1

    umbrella = _only(tenants["umbrella"])
    assert umbrella.cancel_at_period_end and umbrella.cancelled_by.email == "admin@umbrella.example"
    assert umbrella.ended_on == umbrella.current_period_end <= today  # the paid month was honoured
    assert list(umbrella.invoices.values_list("kind", "status")) == [(InvoiceKind.FIRST, InvoiceStatus.PAID)]
    assert tenants["umbrella"].status == TenantStatus.ACTIVE


@pytest.mark.parametrize("today", [None, datetime.date(2027, 1, 2), datetime.date(2026, 3, 31),
                                   datetime.date(2028, 3, 1)])
def test_seed_on_a_fresh_database_any_day(today):
    """Today, across a year boundary, after a 31st and after a leap day: the same states, and the cycle agrees."""
    if today is None:
        tenants = _seed()
        today = timezone.localdate()
    else:
        with time_machine.travel(datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC)):
            tenants = _seed()
    tenants = {key: Tenant.objects.get(pk=t.pk) for key, t in tenants.items()}
    assert {key: getattr(Subscription.objects.filter(tenant=t).first(), "status", None)
            for key, t in tenants.items()} == EXPECTED
    _assert_states(tenants, today)

    # Today's real cycle finds the demo already where the daily cycle would have left it.
    before = _snapshot()
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(23), tzinfo=datetime.UTC)):
        from billing.services.cycle import billing_cycle_run

        billing_cycle_run(on=today)
    after = _snapshot()
    for name in ("Subscription", "Invoice", "Payment", "Tenant"):
        assert after[name] == before[name], name
