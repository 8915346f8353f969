"""The usage-limits registry fails closed: no policy stops `manage.py check` and denies every addition."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tenancy import limits
from tenancy.exceptions import PlanLimitReached


@pytest.fixture
def no_policy():
    saved = list(limits._policy)
    limits._policy.clear()
    yield
    limits._policy[:] = saved


def test_billing_registers_the_policy_at_startup_and_the_check_passes():
    from billing.services.limits import plan_limits_for_tenant

    assert limits._policy == [plan_limits_for_tenant]
    assert limits.policy_check() == []
    call_command("check")  # no SystemCheckError


def test_without_a_policy_the_system_check_refuses_to_run(no_policy):
    errors = limits.policy_check()
    assert [error.id for error in errors] == ["tenancy.E001"] and errors[0].is_serious()
    with pytest.raises(SystemCheckError, match=r"tenancy\.E001"):
        call_command("check")


@pytest.mark.django_db
def test_without_a_policy_every_addition_is_refused_never_unlimited(no_policy, tenant):
    assert limits.limits_for(tenant) == {"users": 0, "teams": 0, "tasks": 0, "storage_mb": 0}
    for resource in limits.RESOURCES:
        with pytest.raises(PlanLimitReached) as refused:
            limits.check(tenant=tenant, resource=resource)
        assert refused.value.fields["limit"] == resource and refused.value.fields["max"] == 0
    assert {row["limit"] for row in limits.usage_report(tenant)} == {0}


@pytest.mark.django_db
def test_without_a_policy_the_api_refuses_an_invitation(no_policy, api, tenant, tenant_admin):
    response = api(tenant_admin).post("/api/tenants/invitations/", {"email": "new@alpha.example", "role": "MEMBER"},
                                      format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_limit_reached"


@pytest.mark.django_db
def test_a_policy_answering_none_is_unlimited(tenant):
    saved = list(limits._policy)
    limits.register_policy(lambda t: {"users": None})
    try:
        limits.check(tenant=tenant, resource="users", adding=10_000)
    finally:
        limits._policy[:] = saved
