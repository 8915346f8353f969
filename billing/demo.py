"""Billing demo data, called by the `seed_demo` command: plans and a subscription in every state.

Everything goes through the services, so the demo's invoices have real numbers and its payments real
(small) PDF proofs. The companies whose state needs time to pass (Hooli PENDING_PAYMENT with its first
invoice overdue, Globex PAST_DUE, Initech EXPIRED, Umbrella CANCELLED at the end of its paid period)
subscribed weeks ago: their history is
replayed with the services' and the cycle's `on=` dates, one cycle run per day up to today, so
their rows are exactly what the daily cycle would have produced.

Idempotent: a plan is created once by its code, and a tenant that already has a subscription is
left alone, so a second run creates and changes nothing.
"""

import datetime
import json
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from billing.conf import billing_settings
from billing.models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod, Plan, Subscription
from billing.services.cycle import billing_cycle_run_for_tenant
from billing.services.invoices import invoice_create_and_issue
from billing.services.payments import payment_submit, payment_verify
from billing.services.subscriptions import add_period, subscription_cancel, subscription_create
from tenancy.files import minimal_pdf
from tenancy.fixtures import fixture_load, fixture_path
from tenancy.models import Role, Tenant, TenantStatus, User

DAY = datetime.timedelta(days=1)

# The plan catalogue (Free, Starter, Professional, Enterprise) is fixtures/plans.json.


def seed_plans() -> dict[str, Plan]:
    """Load the plans of fixtures/plans.json that do not exist yet; return the catalogue by code."""
    fixture_load("plans", overwrite=False)
    codes = [item["fields"]["code"] for item in json.loads(fixture_path("plans").read_text())]
    return {plan.code: plan for plan in Plan.objects.filter(code__in=codes)}


def _proof(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("transfer-receipt.pdf", minimal_pdf(text), content_type="application/pdf")


def _admin(tenant: Tenant) -> User | None:
    return User.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN, is_active=True).order_by("pk").first()


def _staff() -> User | None:
    return User.objects.filter(tenant__isnull=True, role=Role.SUPER_ADMIN, is_active=True).order_by("pk").first()


def _submit(tenant: Tenant, invoice: Invoice, reference: str, *, paid_on: datetime.date | None = None):
    return payment_submit(tenant=tenant, actor=_admin(tenant), invoice=invoice, amount=invoice.total,
                          currency=invoice.currency, method=PaymentMethod.BANK_TRANSFER,
                          paid_on=paid_on or timezone.localdate(), reference=reference,
                          proof=_proof(f"Bank transfer {reference}: {invoice.total} {invoice.currency}"))


def _first_invoice(subscription: Subscription) -> Invoice:
    return subscription.invoices.get(status=InvoiceStatus.ISSUED)


def _start_ending_by(plan: Plan, last_end: datetime.date) -> datetime.date:
    """Return the latest start whose first period ends on or before `last_end` (months differ in length)."""
    start = last_end - datetime.timedelta(days=28)
    while add_period(start, plan.period) > last_end:
        start -= DAY
    return start


def _subscribe_and_pay(tenant: Tenant, plan: Plan, start: datetime.date, reference: str) -> Subscription:
    """Subscribe on `start`, pay the first invoice the same day and have staff verify it."""
    subscription = subscription_create(tenant=tenant, actor=_admin(tenant), plan=plan, on=start)
    payment = _submit(tenant, _first_invoice(subscription), reference, paid_on=start)
    payment_verify(tenant=tenant, actor=_staff(), payment=payment, on=start)
    return subscription


def _seed_active(tenant: Tenant, plans: dict[str, Plan]) -> None:
    """Professional, first invoice paid by a verified transfer, plus an open onboarding invoice."""
    subscription = subscription_create(tenant=tenant, actor=_admin(tenant), plan=plans["professional"])
    payment = _submit(tenant, _first_invoice(subscription), "ACME-0001")
    payment_verify(tenant=tenant, actor=_staff(), payment=payment)
    invoice_create_and_issue(tenant=tenant, actor=_staff(), currency="USD", notes="Thank you for your business.",
                             lines=[{"description": "Onboarding workshop (half day)", "quantity": 1,
                                     "unit_price": Decimal("350.00")},
                                    {"description": "Data import", "quantity": Decimal("2.5"),
                                     "unit_price": Decimal("80.00")}])


def _seed_trial(tenant: Tenant, plans: dict[str, Plan]) -> None:
    """Starter with its 14-day trial running."""
    subscription_create(tenant=tenant, actor=_admin(tenant), plan=plans["starter"])


# Back-dated histories: (day, action) events, replayed day by day with the daily cycle in between.
Event = tuple[datetime.date, Callable[[Tenant], object]]


def _history_past_due(plans: dict[str, Plan], today: datetime.date) -> list[Event]:
    """Paid month ended yesterday (or a few days ago); the renewal invoice is overdue, grace running."""
    plan = plans["professional"]
    start = _start_ending_by(plan, today - DAY)
    return [(start, lambda tenant: _subscribe_and_pay(tenant, plan, start, "GLOBEX-0001"))]


def _history_renewal_proof_waiting(plans: dict[str, Plan], today: datetime.date) -> list[Event]:
    """Professional paid a month; today a transfer proof for the renewal waits for staff (the period is paid
    for, so the plan's limits stay while it is checked)."""
    plan = plans["professional"]
    lead = min(4, max(1, billing_settings().renewal_lead_days))
    start = _start_ending_by(plan, today + datetime.timedelta(days=lead))

    def submit_renewal(tenant: Tenant):
        renewal = Invoice.objects.get(tenant=tenant, kind=InvoiceKind.RENEWAL, status=InvoiceStatus.ISSUED)
        return _submit(tenant, renewal, "TECH-0002", paid_on=today)

    return [(start, lambda tenant: _subscribe_and_pay(tenant, plan, start, "TECH-0001")), (today, submit_renewal)]


def _history_unpaid_first_invoice(plans: dict[str, Plan], today: datetime.date) -> list[Event]:
    """Enterprise subscribed, first invoice never paid and now overdue: PENDING_PAYMENT on the Free plan's
    limits, expiring on the invoice's due date + GRACE_DAYS (a few days from today) unless it is paid."""
    plan = plans["enterprise"]
    overdue_days = max(0, min(2, billing_settings().grace_days - 1))
    start = today - datetime.timedelta(days=settings.INVOICE_DUE_DAYS + overdue_days)
    return [(start, lambda tenant: subscription_create(tenant=tenant, actor=_admin(tenant), plan=plan, on=start))]


def _history_expired(plans: dict[str, Plan], today: datetime.date) -> list[Event]:
    """Paid month ended longer ago than the grace period: EXPIRED, the company SUSPENDED by the cycle."""
    plan = plans["professional"]
    start = _start_ending_by(plan, today - datetime.timedelta(days=billing_settings().grace_days + 1))
    return [(start, lambda tenant: _subscribe_and_pay(tenant, plan, start, "INITECH-0001"))]


def _history_cancelled(plans: dict[str, Plan], today: datetime.date) -> list[Event]:
    """Paid a month, cancelled at period end a few days in: the paid time ran out and the cycle ended it."""
    plan = plans["professional"]
    start = _start_ending_by(plan, today - datetime.timedelta(days=2))
    cancelled_on = start + datetime.timedelta(days=3)

    def cancel(tenant: Tenant) -> Subscription:
        return subscription_cancel(tenant=tenant, actor=_admin(tenant), on=cancelled_on,
                                   subscription=Subscription.objects.get(tenant=tenant))

    return [(start, lambda tenant: _subscribe_and_pay(tenant, plan, start, "UMBRELLA-0001")), (cancelled_on, cancel)]


def _replay(histories: dict[Tenant, list[Event]], *, until: datetime.date) -> None:
    """Play every tenant's events in date order, running each started tenant's billing cycle every day.

    Going day by day across all tenants keeps invoice numbers in the order of their issue dates.
    """
    if not histories:
        return
    day = min(when for events in histories.values() for when, _ in events)
    while day <= until:
        for tenant, events in histories.items():
            for when, action in events:
                if when == day:
                    action(tenant)
        for tenant, events in histories.items():
            if events[0][0] <= day:
                billing_cycle_run_for_tenant(tenant=tenant, on=day)
        day += DAY


# Tenants whose state comes from a history that ends today, then those that subscribe today.
HISTORIES = {
    "tech": _history_renewal_proof_waiting,
    "hooli": _history_unpaid_first_invoice,
    "globex": _history_past_due,
    "initech": _history_expired,
    "umbrella": _history_cancelled,
}
SCENARIOS = {
    "acme": _seed_active,
    "customdomain": _seed_trial,
}


def _needs_seeding(tenant: Tenant | None) -> bool:
    return (tenant is not None and tenant.status in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)
            and not Subscription.objects.filter(tenant=tenant).exists())


@transaction.atomic
def seed(*, tenants: dict) -> None:
    """Create the plans and one subscription per demo tenant (every state; newco, pending, stays bare)."""
    plans = seed_plans()
    today = timezone.localdate()
    _replay({tenants[key]: history(plans, today) for key, history in HISTORIES.items()
             if _needs_seeding(tenants.get(key))}, until=today)
    for key, scenario in SCENARIOS.items():
        if _needs_seeding(tenants.get(key)):
            scenario(tenants[key], plans)
