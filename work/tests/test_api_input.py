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

    # ?search= reads a FULLTEXT index on MariaDB, which sees committed rows only: test_scale.py commits.
    assert ids(f"assignee={member.id}") == [low.id]
    assert ids("status=IN_PROGRESS") == [urgent.id]
    assert set(ids("priority=LOW&priority=URGENT")) == {low.id, urgent.id}
    assert ids("due_after=2026-01-15&due_before=2026-01-31") == [urgent.id]
    assert ids(f"team={team.id}&ordering=-priority_rank")[0] == urgent.id
    assert ids("ordering=due_on")[-2:] == [low.id, urgent.id] or ids("ordering=due_on")[:2] == [low.id, urgent.id]


# --- malformed input never reaches the database as a 500 ----------------------------------------------

BIG = "9" * 30


@pytest.mark.parametrize(("url", "status", "code"), [
    ("/api/tasks/board/?team=abc", 400, "team_required"),
    ("/api/tasks/board/?team=-1", 400, "team_required"),
    ("/api/tasks/board/?team=1.5", 400, "team_required"),
    ("/api/tasks/board/?team=%C2%B2", 400, "team_required"),  # "²" is a digit to str.isdigit()
    (f"/api/tasks/board/?team={BIG}", 400, "team_required"),
    ("/api/tasks/board/?team=999999", 404, "team_not_found"),
    (f"/api/tasks/?team={BIG}", 400, "max_value"),
    (f"/api/tasks/?assignee={BIG}", 400, "max_value"),
    ("/api/tasks/?team=1.5", 400, "invalid"),
    ("/api/tasks/?team=Infinity", 400, "invalid"),
    ("/api/tasks/?due_after=2026-13-45", 400, "invalid"),
    ("/api/tasks/?due_before=2026-02-30", 400, "invalid"),
    ("/api/tasks/?status=TODO&status=NOPE", 400, "invalid_choice"),
    ("/api/tasks/?search=" + "x" * 500, 400, "max_length"),
    (f"/api/tasks/{BIG}/", 404, "not_found"),
    ("/api/tasks/%C2%B2/", 404, "not_found"),
    (f"/api/teams/{BIG}/members/", 404, "not_found"),
    ("/api/teams/invitations/?team=abc", 400, "invalid"),
    (f"/api/teams/invitations/?team={BIG}", 400, "max_value"),
])
def test_malformed_query_is_a_4xx_with_a_code(url, status, code, api, manager, team, task):
    response = api(manager).get(url)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


def test_malformed_nested_ids_are_404(api, member, task, comment, attachment):
    client = api(member)
    for url in (f"/api/tasks/{task.id}/attachments/%C2%B2/download/", f"/api/tasks/{task.id}/attachments/{BIG}/",
                f"/api/tasks/{task.id}/attachments/-1/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "attachment_not_found", url
    response = client.patch(f"/api/tasks/{task.id}/comments/%C2%B2/", {"body": "x"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "comment_not_found"


def test_a_bad_page_size_or_page_is_400_and_a_page_beyond_the_last_is_404(api, member, task):
    client = api(member)
    for query in ("page_size=abc", "page_size=-5", "page_size=0", "page_size=100000", "page_size=null"):
        response = client.get(f"/api/tasks/?{query}")
        assert response.status_code == 400 and response.json()["code"] == "invalid_page_size", query
    response = client.get("/api/tasks/?page=abc")
    assert response.status_code == 400 and response.json()["code"] == "invalid_page"
    response = client.get("/api/tasks/?page=99999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert [t["id"] for t in client.get("/api/tasks/?page_size=100").json()["results"]] == [task.id]


@pytest.mark.parametrize(("method", "path", "body", "code"), [
    ("post", "/api/tasks/", [1, 2], "invalid"),
    ("post", "/api/tasks/", "just a string", "invalid"),
    ("post", "/api/tasks/", {"title": {"a": 1}}, "invalid"),
    ("post", "/api/tasks/", {"title": "a\x00b"}, "null_characters_not_allowed"),
    ("post", "/api/tasks/", {"title": "x" * 100_000}, "max_length"),
    ("post", "/api/tasks/", {"title": "x", "description": "d" * 100_001}, "max_length"),
    ("post", "/api/tasks/", {"title": "x", "assignee": int(BIG)}, "does_not_exist"),
    ("post", "/api/tasks/", {"title": "x", "due_on": "99999-01-01"}, "invalid"),
    ("post", "/api/tasks/", {"title": "x", "due_on": 20260101}, "invalid"),
    ("patch", "/api/tasks/{task}/", [1], "invalid"),
    ("patch", "/api/tasks/{task}/", {"assignee": "abc"}, "incorrect_type"),
    ("post", "/api/tasks/{task}/move/", [1, 2], "invalid"),
    ("post", "/api/tasks/{task}/move/", {"status": "DONE", "position": 1.5}, "invalid"),
    ("post", "/api/tasks/{task}/move/", {"status": "DONE", "position": True}, "invalid"),
    ("post", "/api/tasks/{task}/move/", {"status": ["DONE"], "position": 0}, "invalid_choice"),
    ("post", "/api/tasks/{task}/comments/", [1], "invalid"),
    ("post", "/api/tasks/{task}/comments/", {"body": "x" * 10_001}, "max_length"),
    ("post", "/api/teams/", [1], "invalid"),
    ("post", "/api/teams/", {"name": "x" * 151}, "max_length"),
    ("post", "/api/teams/{team}/add-member/", [1], "invalid"),
    ("post", "/api/teams/{team}/add-member/", {"user": int(BIG)}, "does_not_exist"),
    ("post", "/api/teams/invitations/", {"team": int(BIG), "email": "a@alpha.example"}, "does_not_exist"),
    ("post", "/api/teams/invitations/accept/", [1], "invalid"),
    ("post", "/api/teams/invitations/accept/", {"token": "x" * 5000}, "max_length"),
])
def test_malformed_body_is_400_and_writes_nothing(method, path, body, code, api, manager, team, task):
    url = path.format(task=task.id, team=team.id)
    if isinstance(body, dict) and url == "/api/tasks/":
        body = {"team": team.id, **body}
    before = _snapshot()
    response = getattr(api(manager), method)(url, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


def test_a_huge_position_means_the_end_of_the_column(api, member, team, task):
    from work.tests.factories import TaskFactory

    done = TaskFactory(team=team, status="DONE")
    response = api(member).post(f"/api/tasks/{task.id}/move/", {"status": "DONE", "position": 10**12}, format="json")
    assert response.status_code == 200 and response.json()["position"] == 1
    assert list(Task.objects.filter(team=team, status="DONE").order_by("position").values_list("id", flat=True)) \
        == [done.id, task.id]


@pytest.mark.parametrize("field", ["task", "author", "tenant"])
def test_a_comment_cannot_point_at_another_task_or_author(field, api, member, task, other_task, stranger):
    """The task comes from the URL only: a body naming another tenant's task (or author) is refused."""
    value = {"task": other_task.id, "author": stranger.id, "tenant": other_task.tenant_id}[field]
    before = _snapshot()
    response = api(member).post(f"/api/tasks/{task.id}/comments/", {"body": "hi", field: value}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    assert field in response.json()["fields"]
    assert _snapshot() == before


def test_a_comment_or_file_on_another_tenants_task_is_404(api, member, other_task):
    before = _snapshot()
    assert api(member).post(f"/api/tasks/{other_task.id}/comments/", {"body": "hi"}).status_code == 404
    response = api(member).post(f"/api/tasks/{other_task.id}/attachments/",
                                {"file": SimpleUploadedFile("a.txt", b"hello")}, format="multipart")
    assert response.status_code == 404
    assert _snapshot() == before


def test_a_failed_upload_leaves_no_file_behind(api, member, task, settings, monkeypatch):
    """The file is written before the row; when the transaction fails, the file is removed again."""
    from work.services import attachments

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachments, "activity_add", boom)
    client = api(member)
    client.raise_request_exception = False
    before = _snapshot()
    response = client.post(f"/api/tasks/{task.id}/attachments/", {"file": SimpleUploadedFile("a.txt", b"hello")},
                           format="multipart")
    assert response.status_code == 500
    assert _snapshot() == before
    media = settings.MEDIA_ROOT
    assert not [p for p in media.rglob("*") if p.is_file()] if media.exists() else True
