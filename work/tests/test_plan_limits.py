"""Work's limits through billing's real policy: a plan and an ACTIVE subscription decide, not a test double."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import SubscriptionStatus
from billing.services.limits import plan_limits_for_tenant
from billing.tests.factories import PlanFactory, SubscriptionFactory
from tenancy import limits
from work.models import Attachment, Task, Team

pytestmark = pytest.mark.usefixtures("real_plan_policy")


def test_the_registered_policy_is_billings():
    assert limits._policy == [plan_limits_for_tenant]


def test_a_plan_with_one_team_refuses_the_second(api, tenant, manager, team):
    plan = PlanFactory(code="solo", max_teams=1)
    subscription = SubscriptionFactory(tenant=tenant, plan=plan, status=SubscriptionStatus.ACTIVE)

    response = api(manager).post("/api/teams/", {"name": "Second"})
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "plan_limit_reached"
    assert response.json()["fields"] == {"limit": "teams", "max": 1, "used": 1}
    assert list(Team.objects.filter(tenant=tenant).values_list("name", flat=True)) == ["Platform"]

    # The same request passes once the tenant's plan allows two teams: the plan decides.
    subscription.plan = PlanFactory(code="duo", max_teams=2)
    subscription.save(update_fields=["plan"])
    response = api(manager).post("/api/teams/", {"name": "Second"})
    assert response.status_code == 201, response.json()


def test_an_ended_subscription_no_longer_sets_the_limits(api, tenant, manager, team):
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(code="solo", max_teams=1),
                        status=SubscriptionStatus.CANCELLED)
    assert api(manager).post("/api/teams/", {"name": "Second"}).status_code == 201


def test_task_and_storage_limits_of_the_plan(api, tenant, member, team, task, settings):
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(code="tiny", max_tasks=1, max_storage_mb=1),
                        status=SubscriptionStatus.ACTIVE)
    client = api(member)
    response = client.post("/api/tasks/", {"team": team.id, "title": "One too many"})
    assert response.status_code == 403 and response.json()["code"] == "plan_limit_reached"
    assert response.json()["fields"]["limit"] == "tasks"
    assert Task.objects.filter(tenant=tenant).count() == 1

    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    response = client.post(f"/api/tasks/{task.id}/attachments/", {"file": big}, format="multipart")
    assert response.status_code == 403 and response.json()["fields"]["limit"] == "storage_mb"
    assert not Attachment.objects.exists()
