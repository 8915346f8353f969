"""Foreign keys to other tenants' rows and bad input: a 4xx with a code, and nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenancy.models import Role
from tenancy.tests.factories import UserFactory
from work.models import Attachment, Comment, Task, TaskActivity, Team, TeamInvitation, TeamMember
from work.tests.factories import make_member


def _snapshot() -> tuple:
    return (
        list(Team.objects.order_by("id").values_list("id", "name", "description")),
        list(TeamMember.objects.order_by("id").values_list("id", "team_id", "user_id", "role")),
        TeamInvitation.objects.count(),
        list(Task.objects.order_by("id").values_list("id", "title", "status", "position", "assignee_id", "due_on",
                                                      "team_id", "priority")),
        Comment.objects.count(),
        Attachment.objects.count(),
        TaskActivity.objects.count(),
    )


@pytest.fixture
def stranger(other_tenant):
    return UserFactory(tenant=other_tenant, role=Role.MEMBER, email="stranger@beta.example")


@pytest.mark.parametrize("case", [
    "task-in-foreign-team", "task-assigned-to-foreign-user", "update-assignee-foreign-user",
    "add-foreign-member", "remove-foreign-member", "invite-to-foreign-team",
])
def test_foreign_key_to_another_tenant_is_400(case, api, manager, team, task, other_team, other_task, stranger):
    client = api(manager)
    requests = {
        "task-in-foreign-team": ("post", "/api/tasks/", {"team": other_team.id, "title": "x"}, "team"),
        "task-assigned-to-foreign-user": ("post", "/api/tasks/", {"team": team.id, "title": "x",
                                                                  "assignee": stranger.id}, "assignee"),
        "update-assignee-foreign-user": ("patch", f"/api/tasks/{task.id}/", {"assignee": stranger.id}, "assignee"),
        "add-foreign-member": ("post", f"/api/teams/{team.id}/add-member/", {"user": stranger.id}, "user"),
        "remove-foreign-member": ("post", f"/api/teams/{team.id}/remove-member/", {"user": stranger.id}, "user"),
        "invite-to-foreign-team": ("post", "/api/teams/invitations/", {"team": other_team.id,
                                                                       "email": "x@alpha.example"}, "team"),
    }
    method, url, body, field = requests[case]
    before = _snapshot()
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "does_not_exist"
    assert field in response.json()["fields"]
    assert _snapshot() == before


def test_task_in_a_team_i_cannot_see_is_400(api, outsider, team):
    before = _snapshot()
    response = api(outsider).post("/api/tasks/", {"team": team.id, "title": "sneaky"})
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
    assert _snapshot() == before


def test_assignee_must_be_a_team_member(api, member, team, outsider):
    before = _snapshot()
    response = api(member).post("/api/tasks/", {"team": team.id, "title": "x", "assignee": outsider.id})
    assert response.status_code == 400 and response.json()["code"] == "assignee_not_member"
    assert _snapshot() == before


@pytest.mark.parametrize(("body", "code"), [
    ({"title": ""}, "blank"),
    ({"title": "   "}, "blank"),
    ({"title": "x" * 201}, "max_length"),
    ({"title": "ok", "status": "DOING"}, "invalid_choice"),
    ({"title": "ok", "priority": "CRITICAL"}, "invalid_choice"),
    ({"title": "ok", "due_on": "next tuesday"}, "invalid"),
    ({"title": "ok", "due_on": "2026-02-30"}, "invalid"),
    ({"title": "ok", "tenant": 1}, "read_only_field"),
    ({"title": "ok", "position": 3}, "read_only_field"),
    ({"title": "ok", "team": "abc"}, "incorrect_type"),
])
def test_bad_task_create_is_400(body, code, api, member, team):
    before = _snapshot()
    response = api(member).post("/api/tasks/", {"team": team.id, **body} if "team" not in body else body,
                                format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


@pytest.mark.parametrize(("body", "code"), [
    ({"title": ""}, "blank"),
    ({"status": "DONE"}, "read_only_field"),
    ({"due_on": "soon"}, "invalid"),
    ({"priority": "NOW"}, "invalid_choice"),
    ({"team": 1}, "read_only_field"),
])
def test_bad_task_update_is_400(body, code, api, member, task):
    before = _snapshot()
    response = api(member).patch(f"/api/tasks/{task.id}/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


@pytest.mark.parametrize(("body", "code"), [
    ({"status": "BLOCKED", "position": 0}, "invalid_choice"),
    ({"status": "DONE", "position": -1}, "min_value"),
    ({"status": "DONE", "position": "first"}, "invalid"),
    ({"status": "DONE"}, "required"),
    ({"position": 0}, "required"),
])
def test_bad_move_is_400(body, code, api, member, task):
    before = _snapshot()
    response = api(member).post(f"/api/tasks/{task.id}/move/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


@pytest.mark.parametrize(("query", "code"), [
    ("status=NOPE", "invalid_choice"),
    ("due_after=yesterday", "invalid"),
    ("assignee=me", "invalid"),
])
def test_bad_filters_are_400(query, code, api, member, task):
    response = api(member).get(f"/api/tasks/?{query}")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code


def test_board_needs_a_team(api, member, team):
    response = api(member).get("/api/tasks/board/")
    assert response.status_code == 400 and response.json()["code"] == "team_required"
    assert api(member).get("/api/tasks/board/?team=999999").status_code == 404


@pytest.mark.parametrize(("name", "data", "code"), [
    ("photo.png", b"MZ\x90\x00" + b"\x00" * 100, "file_type_not_allowed"),  # an executable named .png
    ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "file_type_not_allowed"),
    ("notes.txt", b"", "file_empty"),
])
def test_disguised_or_empty_files_are_refused(name, data, code, api, member, task, settings):
    before = _snapshot()
    response = api(member).post(f"/api/tasks/{task.id}/attachments/",
                                {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


def test_oversize_file_is_refused_and_nothing_is_stored(api, member, task, settings):
    settings.MAX_UPLOAD_MB = 1
    before = _snapshot()
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    response = api(member).post(f"/api/tasks/{task.id}/attachments/", {"file": big}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"
    assert _snapshot() == before
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_missing_file_and_extra_fields_are_400(api, member, task):
    response = api(member).post(f"/api/tasks/{task.id}/attachments/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "required"
    response = api(member).post(f"/api/tasks/{task.id}/comments/", {"body": "hi", "author": 1}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    response = api(member).post(f"/api/tasks/{task.id}/comments/", {"body": "  "}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "blank"


def test_team_name_rules(api, manager, team):
    assert api(manager).post("/api/teams/", {"name": ""}).json()["code"] == "blank"
    response = api(manager).post("/api/teams/", {"name": "platform"})
    assert response.status_code == 409 and response.json()["code"] == "team_name_taken"
    assert api(manager).post("/api/teams/", {"name": "x", "tenant": 2}).json()["code"] == "read_only_field"


def test_member_cannot_become_team_manager(api, manager, team, outsider):
    response = api(manager).post(f"/api/teams/{team.id}/add-member/", {"user": outsider.id, "role": "MANAGER"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_team_role"
    assert not TeamMember.objects.filter(user=outsider).exists()


def test_adding_twice_and_removing_a_stranger(api, manager, member, team, outsider):
    response = api(manager).post(f"/api/teams/{team.id}/add-member/", {"user": member.id})
    assert response.status_code == 409 and response.json()["code"] == "already_member"
    response = api(manager).post(f"/api/teams/{team.id}/remove-member/", {"user": outsider.id})
    assert response.status_code == 404 and response.json()["code"] == "not_member"


def test_last_manager_cannot_be_removed(api, manager, tenant_admin, team):
    response = api(tenant_admin).post(f"/api/teams/{team.id}/remove-member/", {"user": manager.id})
    assert response.status_code == 409 and response.json()["code"] == "last_team_manager"
    second = UserFactory(tenant=team.tenant, role=Role.MANAGER)
    make_member(team, second, "MANAGER")
    assert api(tenant_admin).post(f"/api/teams/{team.id}/remove-member/", {"user": manager.id}).status_code == 204


def test_removing_a_member_unassigns_their_tasks(api, manager, member, team, task):
    assert api(manager).post(f"/api/teams/{team.id}/remove-member/", {"user": member.id}).status_code == 204
    task.refresh_from_db()
    assert task.assignee is None
    row = TaskActivity.objects.filter(task=task, field="assignee").last()
    assert (row.old_value, row.new_value) == (str(member.id), "")


def test_archived_team_takes_no_tasks(api, manager, member, team):
    assert api(manager).delete(f"/api/teams/{team.id}/").status_code == 204
    response = api(member).post("/api/tasks/", {"team": team.id, "title": "late"})
    assert response.status_code == 409 and response.json()["code"] == "team_archived"


def test_filters_and_ordering(api, member, team):
    from work.tests.factories import TaskFactory

    low = TaskFactory(team=team, title="Tidy the wiki", priority="LOW", due_on="2026-01-10", assignee=member)
    urgent = TaskFactory(team=team, title="Outage", priority="URGENT", due_on="2026-01-20", status="IN_PROGRESS",
                         description="the WIKI is down")
    TaskFactory(team=team, title="Other", priority="MEDIUM")
    client = api(member)

    def ids(query):
        response = client.get(f"/api/tasks/?{query}")
        assert response.status_code == 200, response.json()
        return [t["id"] for t in response.json()["results"]]

    assert set(ids("search=wiki")) == {low.id, urgent.id}
    assert ids(f"assignee={member.id}") == [low.id]
    assert ids("status=IN_PROGRESS") == [urgent.id]
    assert set(ids("priority=LOW&priority=URGENT")) == {low.id, urgent.id}
    assert ids("due_after=2026-01-15&due_before=2026-01-31") == [urgent.id]
    assert ids(f"team={team.id}&ordering=-priority_rank")[0] == urgent.id
    assert ids("ordering=due_on")[-2:] == [low.id, urgent.id] or ids("ordering=due_on")[:2] == [low.id, urgent.id]
