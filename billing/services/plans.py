"""Plans: the catalogue tenants choose from (maintained by staff in the admin)."""

from decimal import Decimal

from django.db import transaction

from billing.models import Plan
from tenancy.audit import AuditVerb, audit_record, created
from tenancy.exceptions import ServiceError
from tenancy.models import User
from tenancy.services.common import model_update

PLAN_EDITABLE_FIELDS = ("name", "description", "price", "currency", "period", "trial_days", "max_users",
                        "max_teams", "max_tasks", "max_storage_mb", "is_active", "is_public", "order")


def _check(fields: dict) -> None:
    price = fields.get("price")
    if price is not None and Decimal(price) < 0:
        raise ServiceError("A price cannot be negative.", code="price_invalid", fields={"price": ["Must be >= 0."]})
    currency = fields.get("currency")
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise ServiceError("Use a three-letter currency code.", code="currency_invalid",
                           fields={"currency": ["Use a three-letter currency code."]})


@transaction.atomic
def plan_create(*, actor: User | None, code: str, **fields) -> Plan:
    """Add a plan to the catalogue."""
    _check(fields)
    if Plan.objects.filter(code=code).exists():
        raise ServiceError("A plan with this code exists.", code="plan_code_taken", fields={"code": ["Taken."]})
    if "currency" in fields:
        fields["currency"] = fields["currency"].upper()
    plan = Plan.objects.create(code=code, **{k: v for k, v in fields.items() if k in PLAN_EDITABLE_FIELDS})
    audit_record(tenant=None, actor=actor, verb=AuditVerb.PLAN_CREATED, obj=plan,
                 changes=created(plan, ["code", *PLAN_EDITABLE_FIELDS]))
    return plan


@transaction.atomic
def plan_update(*, actor: User | None, plan: Plan, **changes) -> Plan:
    """Change a plan; running subscriptions keep the price they were sold at (see subscription_terms_for)."""
    _check(changes)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if "currency" in changes:
        changes["currency"] = changes["currency"].upper()
    changed = model_update(plan, changes, allowed=PLAN_EDITABLE_FIELDS, reason="plan changed", actor=actor)
    if changed:
        audit_record(tenant=None, actor=actor, verb=AuditVerb.PLAN_UPDATED, obj=plan, changes=changed)
    return plan
