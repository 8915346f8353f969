"""DELETE /api/tenants/members/{id}/: remove a member from the company, keeping their history."""

import pytest

from tenancy.models import ActivityLog, Notification, Role, User
from tenancy.tests.factories import UserFactory
from work.models import Comment, Task, TaskActivity, TaskStatus, TeamMember, TeamRole
from work.tests.factories import TaskFactory, TeamFactory, make_member

pytestmark = pytest.mark.django_db


def url(user):
    return f"/api/tenants/members/{user.pk}/"


@pytest.fixture
def second_team(tenant, manager, member):
    team = TeamFactory(tenant=tenant, name="Second")
    make_member(team, member, TeamRole.MEMBER)
    return team


@pytest.fixture
def heir(tenant, team):
    """A member of `team` (not of `second_team`) who can take the member's tasks over."""
    user = UserFactory(tenant=tenant, role=Role.MEMBER, email="heir@alpha.example")
    make_member(team, user, TeamRole.MEMBER)
    return user


def test_removal_deactivates_revokes_and_unassigns_open_tasks(api, tenant_admin, member, team, task, comment,
                                                               token_pair):
    done = TaskFactory(team=team, assignee=member, status=TaskStatus.DONE, title="Shipped")
    access, refresh = token_pair(member)
    response = api(tenant_admin).delete(url(member))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["member"]["id"] == member.pk and body["member"]["is_active"] is False
    assert (body["reassigned"], body["unassigned"], body["teams_left"]) == (0, 1, 1)
    member.refresh_from_db()
    assert member.is_active is False and member.tenant_id == tenant_admin.tenant_id  # kept, not deleted
    assert Task.objects.get(pk=task.pk).assignee_id is None
    assert Task.objects.get(pk=done.pk).assignee_id == member.pk  # done work keeps its author
    assert not TeamMember.objects.filter(user=member).exists()
    assert Comment.objects.get(pk=comment.pk).author_id == member.pk  # history stays
    row = TaskActivity.objects.filter(task=task, field="assignee").latest("id")
    assert (row.old_value, row.new_value, row.actor_id) == (str(member.pk), "", tenant_admin.pk)
    # Their tokens stop working at once.
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/tenants/members/", HTTP_HOST=f"{tenant_admin.tenant.slug}.localhost").status_code == 401
    assert api().post("/api/auth/token/refresh/", {"refresh": refresh},
                      HTTP_HOST=f"{tenant_admin.tenant.slug}.localhost").status_code == 401
    audit = ActivityLog.objects.get(verb="member.removed")
    assert audit.actor_id == tenant_admin.pk and audit.object_id == str(member.pk)
    assert audit.changes["unassigned"] == [None, 1]


def test_removal_reassigns_open_tasks_where_the_heir_shares_the_team(api, tenant_admin, member, team, second_team,
                                                                     task, heir):
    elsewhere = TaskFactory(team=second_team, assignee=member, title="Other team's task")
    response = api(tenant_admin).delete(url(member), {"reassign_to": heir.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["reassigned"], response.json()["unassigned"], response.json()["teams_left"]) == (1, 1, 2)
    assert Task.objects.get(pk=task.pk).assignee_id == heir.pk
    assert Task.objects.get(pk=elsewhere.pk).assignee_id is None
    note = Notification.objects.get(recipient=heir)
    assert note.type == "task_assigned" and note.data["task_id"] == task.pk


def test_reassign_to_is_accepted_as_a_query_parameter(api, tenant_admin, member, team, task, heir):
    response = api(tenant_admin).delete(f"{url(member)}?reassign_to={heir.pk}")
    assert response.status_code == 200 and response.json()["reassigned"] == 1
    assert Task.objects.get(pk=task.pk).assignee_id == heir.pk


@pytest.mark.parametrize("case", ["other_tenant", "self", "inactive", "unknown", "garbage"])
def test_a_bad_heir_is_a_400_and_changes_nothing(api, tenant_admin, member, team, task, other_admin, case):
    inactive = UserFactory(tenant=tenant_admin.tenant, is_active=False)
    heir_id = {"other_tenant": other_admin.pk, "self": member.pk, "inactive": inactive.pk,
               "unknown": 987654, "garbage": "abc"}[case]
    response = api(tenant_admin).delete(url(member), {"reassign_to": heir_id}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "detail", "fields"} and "reassign_to" in response.json()["fields"]
    assert User.objects.get(pk=member.pk).is_active is True
    assert Task.objects.get(pk=task.pk).assignee_id == member.pk
    assert TeamMember.objects.filter(user=member).count() == 1
    assert not ActivityLog.objects.filter(verb="member.removed").exists()


def test_the_last_admin_cannot_be_removed_but_one_of_two_can(api, tenant, tenant_admin):
    second = UserFactory(tenant=tenant, role=Role.TENANT_ADMIN, email="second@alpha.example")
    response = api(second).delete(url(tenant_admin))
    assert response.status_code == 200
    # `second` is now the only admin; a (deactivated) admin cannot remove them, and nobody removes themselves.
    response = api(second).delete(url(second))
    assert response.status_code == 400 and response.json()["code"] == "cannot_remove_self"
    third = UserFactory(tenant=tenant, role=Role.TENANT_ADMIN, is_active=False)
    from tenancy.exceptions import Conflict
    from tenancy.services.members import member_remove

    with pytest.raises(Conflict) as refused:
        member_remove(tenant=tenant, actor=third, member=second)
    assert refused.value.code == "last_tenant_admin"
    assert User.objects.get(pk=second.pk).is_active is True


def test_removing_an_already_deactivated_member_releases_their_work(api, tenant_admin, member, team, task):
    api(tenant_admin).patch(url(member), {"is_active": False}, format="json")
    assert Task.objects.get(pk=task.pk).assignee_id == member.pk  # deactivation alone keeps assignments
    response = api(tenant_admin).delete(url(member))
    assert response.status_code == 200 and response.json()["unassigned"] == 1
    assert Task.objects.get(pk=task.pk).assignee_id is None


def test_a_suspended_company_cannot_remove_members(api, tenant, tenant_admin, member):
    tenant.status = "SUSPENDED"
    tenant.save(update_fields=["status"])
    response = api(tenant_admin).delete(url(member))
    assert response.status_code == 403 and response.json()["code"] == "tenant_suspended"
    assert User.objects.get(pk=member.pk).is_active is True
