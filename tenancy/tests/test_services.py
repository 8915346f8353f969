"""Tenancy services: the tenant state table and the rules that guard members."""

import pytest

from tenancy.exceptions import InvalidTransition, ServiceError
from tenancy.models import Tenant, TenantStatus
from tenancy.services import tenants as svc
from tenancy.tests.factories import TenantFactory

ACTIONS = {
    "approve": (svc.tenant_approve, {}),
    "reject": (svc.tenant_reject, {"reason": "Incomplete"}),
    "suspend": (svc.tenant_suspend, {"reason": "Abuse"}),
    "reactivate": (svc.tenant_reactivate, {}),
}
# (from status, action) -> resulting status, or None when refused
TABLE = {
    (TenantStatus.PENDING, "approve"): TenantStatus.ACTIVE,
    (TenantStatus.PENDING, "reject"): TenantStatus.REJECTED,
    (TenantStatus.PENDING, "suspend"): None,
    (TenantStatus.PENDING, "reactivate"): None,
    (TenantStatus.REJECTED, "approve"): TenantStatus.ACTIVE,
    (TenantStatus.REJECTED, "reject"): None,
    (TenantStatus.REJECTED, "suspend"): None,
    (TenantStatus.REJECTED, "reactivate"): None,
    (TenantStatus.ACTIVE, "approve"): None,
    (TenantStatus.ACTIVE, "reject"): None,
    (TenantStatus.ACTIVE, "suspend"): TenantStatus.SUSPENDED,
    (TenantStatus.ACTIVE, "reactivate"): None,
    (TenantStatus.SUSPENDED, "approve"): None,
    (TenantStatus.SUSPENDED, "reject"): None,
    (TenantStatus.SUSPENDED, "suspend"): None,
    (TenantStatus.SUSPENDED, "reactivate"): TenantStatus.ACTIVE,
}


@pytest.mark.parametrize("start, action", list(TABLE), ids=[f"{s}-{a}" for s, a in TABLE])
def test_tenant_state_table(super_admin, start, action):
    tenant = TenantFactory(status=start)
    service, kwargs = ACTIONS[action]
    expected = TABLE[(start, action)]
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            service(tenant=tenant, actor=super_admin, **kwargs)
        assert refused.value.code == "invalid_transition" and refused.value.status_code == 409
        assert Tenant.objects.get(pk=tenant.pk).status == start
    else:
        service(tenant=tenant, actor=super_admin, **kwargs)
        assert Tenant.objects.get(pk=tenant.pk).status == expected


def test_suspension_for_nonpayment_is_remembered_and_cleared(super_admin):
    tenant = TenantFactory()
    svc.tenant_suspend(tenant=tenant, actor=None, reason="Subscription expired", for_nonpayment=True)
    assert Tenant.objects.get(pk=tenant.pk).is_suspended_for_nonpayment is True
    svc.tenant_reactivate(tenant=tenant, actor=None)
    fresh = Tenant.objects.get(pk=tenant.pk)
    assert fresh.status == TenantStatus.ACTIVE and fresh.is_suspended_for_nonpayment is False


@pytest.mark.parametrize("action", ["reject", "suspend"])
def test_blank_reason_is_refused(super_admin, action):
    tenant = TenantFactory(status=TenantStatus.PENDING if action == "reject" else TenantStatus.ACTIVE)
    service, _ = ACTIONS[action]
    with pytest.raises(ServiceError) as refused:
        service(tenant=tenant, actor=super_admin, reason="   ")
    assert refused.value.code == "reason_required"
    assert Tenant.objects.get(pk=tenant.pk).status == tenant.status


@pytest.mark.parametrize("start, action, detail", [
    (TenantStatus.ACTIVE, "approve", "The company is already active."),
    (TenantStatus.SUSPENDED, "suspend", "The company is already suspended."),
    (TenantStatus.REJECTED, "reject", "The company is already rejected."),
    (TenantStatus.PENDING, "suspend", "The company is pending approval; it cannot become suspended."),
    (TenantStatus.ACTIVE, "reject", "The company is active; it cannot become rejected."),
])
def test_refused_transitions_read_as_english(super_admin, start, action, detail):
    service, kwargs = ACTIONS[action]
    with pytest.raises(InvalidTransition) as refused:
        service(tenant=TenantFactory(status=start), actor=super_admin, **kwargs)
    assert refused.value.detail == detail
    assert refused.value.fields == {"status": [start]}
