"""Role matrix and cross-tenant isolation of every work endpoint."""

import pytest

from conftest import host_of
from tenancy.models import Role
from tenancy.tests.factories import UserFactory
from work.models import Attachment, Comment, Task, Team, TeamInvitation, TeamMember
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory

ROLES = ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"]


@pytest.fixture
def graph(team, task, comment, attachment, tenant, manager):
    """Everything the endpoints need, plus a user of the tenant who may be added to the team."""
    from work.services.teams import team_invitation_create

    newcomer = UserFactory(tenant=tenant, role=Role.MEMBER, email="newcomer@alpha.example")
    invitation, _token = team_invitation_create(tenant=tenant, actor=manager, team=team,
                                                email="pending@alpha.example")
    return {"team": team, "task": task, "comment": comment, "attachment": attachment, "newcomer": newcomer,
            "invitation": invitation}


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(name="notes.txt", data=b"plain text notes"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# name: (method, url(graph), body(graph) or None, expected status for each of ROLES)
ENDPOINTS = {
    "team-list": ("get", lambda g: "/api/teams/", None, [401, 200, 200, 200, 403]),
    "team-create": ("post", lambda g: "/api/teams/", lambda g: {"name": "Growth"}, [401, 403, 201, 201, 403]),
    "team-detail": ("get", lambda g: f"/api/teams/{g['team'].id}/", None, [401, 200, 200, 200, 403]),
    "team-update": ("patch", lambda g: f"/api/teams/{g['team'].id}/", lambda g: {"description": "New"},
                    [401, 403, 200, 200, 403]),
    "team-archive": ("delete", lambda g: f"/api/teams/{g['team'].id}/", None, [401, 403, 204, 204, 403]),
    "team-members": ("get", lambda g: f"/api/teams/{g['team'].id}/members/", None, [401, 200, 200, 200, 403]),
    "team-add-member": ("post", lambda g: f"/api/teams/{g['team'].id}/add-member/",
                        lambda g: {"user": g["newcomer"].id}, [401, 403, 201, 201, 403]),
    "team-remove-member": ("post", lambda g: f"/api/teams/{g['team'].id}/remove-member/",
                           lambda g: {"user": g["task"].assignee_id}, [401, 403, 204, 204, 403]),
    "invitation-list": ("get", lambda g: "/api/teams/invitations/", None, [401, 403, 200, 200, 403]),
    "invitation-create": ("post", lambda g: "/api/teams/invitations/",
                          lambda g: {"team": g["team"].id, "email": "newcomer@alpha.example"},
                          [401, 403, 201, 201, 403]),
    "invitation-revoke": ("delete", lambda g: f"/api/teams/invitations/{g['invitation'].id}/", None,
                          [401, 403, 204, 204, 403]),
    "invitation-accept": ("post", lambda g: "/api/teams/invitations/accept/", lambda g: {"token": "nope"},
                          [401, 404, 404, 404, 403]),
    "task-list": ("get", lambda g: "/api/tasks/", None, [401, 200, 200, 200, 403]),
    "task-create": ("post", lambda g: "/api/tasks/", lambda g: {"team": g["team"].id, "title": "New"},
                    [401, 201, 201, 201, 403]),
    "task-detail": ("get", lambda g: f"/api/tasks/{g['task'].id}/", None, [401, 200, 200, 200, 403]),
    "task-update": ("patch", lambda g: f"/api/tasks/{g['task'].id}/", lambda g: {"priority": "HIGH"},
                    [401, 200, 200, 200, 403]),
    # The task was created by the manager: a plain member may not delete it.
    "task-delete": ("delete", lambda g: f"/api/tasks/{g['task'].id}/", None, [401, 403, 204, 204, 403]),
    "task-board": ("get", lambda g: f"/api/tasks/board/?team={g['team'].id}", None, [401, 200, 200, 200, 403]),
    "task-move": ("post", lambda g: f"/api/tasks/{g['task'].id}/move/", lambda g: {"status": "DONE", "position": 0},
                  [401, 200, 200, 200, 403]),
    "comment-list": ("get", lambda g: f"/api/tasks/{g['task'].id}/comments/", None, [401, 200, 200, 200, 403]),
    "comment-create": ("post", lambda g: f"/api/tasks/{g['task'].id}/comments/", lambda g: {"body": "Hi"},
                       [401, 201, 201, 201, 403]),
    # The comment is the member's: only its author edits it; its author or a company admin deletes it.
    "comment-edit": ("patch", lambda g: f"/api/tasks/{g['task'].id}/comments/{g['comment'].id}/",
                     lambda g: {"body": "Edited"}, [401, 200, 403, 403, 403]),
    "comment-delete": ("delete", lambda g: f"/api/tasks/{g['task'].id}/comments/{g['comment'].id}/", None,
                       [401, 204, 403, 204, 403]),
    "attachment-list": ("get", lambda g: f"/api/tasks/{g['task'].id}/attachments/", None,
                        [401, 200, 200, 200, 403]),
    "attachment-upload": ("multipart", lambda g: f"/api/tasks/{g['task'].id}/attachments/",
                          lambda g: {"file": _upload()}, [401, 201, 201, 201, 403]),
    "attachment-detail": ("get", lambda g: f"/api/tasks/{g['task'].id}/attachments/{g['attachment'].id}/", None,
                          [401, 200, 200, 200, 403]),
    "attachment-download": ("get",
                            lambda g: f"/api/tasks/{g['task'].id}/attachments/{g['attachment'].id}/download/",
                            None, [401, 200, 200, 200, 403]),
    # The file is the member's: its uploader, the team's manager or a company admin deletes it.
    "attachment-delete": ("delete", lambda g: f"/api/tasks/{g['task'].id}/attachments/{g['attachment'].id}/",
                          None, [401, 204, 204, 204, 403]),
    "task-activities": ("get", lambda g: f"/api/tasks/{g['task'].id}/activities/", None, [401, 200, 200, 200, 403]),
}

# Endpoints that address one object of the tenant (the cross-tenant and invisible-team checks apply).
OBJECT_ENDPOINTS = [name for name, (_m, url, _b, _e) in ENDPOINTS.items()
                    if name not in {"team-list", "team-create", "invitation-list", "invitation-create",
                                    "invitation-accept", "task-list", "task-create"}]


def call(client, method: str, url: str, body):
    if method == "multipart":
        return client.post(url, body, format="multipart")
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


def _snapshot() -> tuple:
    return (
        list(Team.objects.order_by("id").values_list("id", "name", "description", "is_archived")),
        list(TeamMember.objects.order_by("id").values_list("id", "team_id", "user_id", "role")),
        list(TeamInvitation.objects.order_by("id").values_list("id", "revoked_at", "accepted_at")),
        list(Task.objects.order_by("id").values_list("id", "title", "status", "position", "priority")),
        list(Comment.objects.order_by("id").values_list("id", "body")),
        list(Attachment.objects.values_list("id", flat=True)),
    )


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_role_matrix(endpoint, role_index, api, graph, role_users, tenant):
    method, url, body, expected = ENDPOINTS[endpoint]
    user = role_users[ROLES[role_index]]
    client = api(user, host=host_of(tenant))
    before = _snapshot()
    response = call(client, method, url(graph), body(graph) if body else None)
    assert response.status_code == expected[role_index], getattr(response, "data", response)
    if response.status_code >= 400:
        assert response.json()["code"]
        assert _snapshot() == before, "a refused request changed something"


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS)
def test_other_tenant_gets_404(endpoint, api, graph, other_admin, other_team):
    """Another company's admin, on its own host, cannot reach this tenant's objects."""
    method, url, body, _expected = ENDPOINTS[endpoint]
    before = _snapshot()
    response = call(api(other_admin), method, url(graph), body(graph) if body else None)
    assert response.status_code == 404, response.json()
    assert response.json()["code"] in {"not_found", "team_not_found"}
    assert _snapshot() == before


# Invitations are managers' business: a plain member is refused by role (403) before any lookup.
OUTSIDER_ENDPOINTS = [name for name in OBJECT_ENDPOINTS if name != "invitation-revoke"]


@pytest.mark.parametrize("endpoint", OUTSIDER_ENDPOINTS)
def test_user_outside_the_team_gets_404(endpoint, api, graph, outsider):
    """A member of the same company who is not in the team cannot see it or its tasks."""
    method, url, body, _expected = ENDPOINTS[endpoint]
    before = _snapshot()
    response = call(api(outsider), method, url(graph), body(graph) if body else None)
    assert response.status_code == 404, response.json()
    assert _snapshot() == before


def test_token_of_other_tenant_on_this_host_is_401(api, graph, other_admin, tenant):
    response = api(other_admin, host=host_of(tenant)).get("/api/tasks/")
    assert response.status_code == 401


def test_lists_never_show_other_tenants_rows(api, graph, other_task, other_admin, member):
    assert [t["id"] for t in api(member).get("/api/tasks/").json()["results"]] == [graph["task"].id]
    assert [t["id"] for t in api(member).get("/api/teams/").json()["results"]] == [graph["team"].id]
    assert [t["id"] for t in api(other_admin).get("/api/tasks/").json()["results"]] == [other_task.id]


def test_admin_sees_every_team_members_only_theirs(api, graph, tenant, tenant_admin, outsider):
    from work.tests.factories import TeamFactory

    hidden = TeamFactory(tenant=tenant, name="Hidden")
    TaskFactory(team=hidden)
    admin_teams = {t["id"] for t in api(tenant_admin).get("/api/teams/").json()["results"]}
    assert admin_teams == {graph["team"].id, hidden.id}
    assert api(outsider).get("/api/teams/").json()["results"] == []
    assert api(outsider).get("/api/tasks/").json()["results"] == []
    assert len(api(tenant_admin).get("/api/tasks/").json()["results"]) == 2


def test_other_member_of_the_team_cannot_touch_my_comment_or_file(api, graph, team, task):
    from work.tests.factories import make_member

    colleague = make_member(team).user
    client = api(colleague)
    comment_url = f"/api/tasks/{task.id}/comments/{graph['comment'].id}/"
    assert client.patch(comment_url, {"body": "mine now"}).json()["code"] == "not_comment_author"
    assert client.delete(comment_url).status_code == 403
    file_url = f"/api/tasks/{task.id}/attachments/{graph['attachment'].id}/"
    response = client.delete(file_url)
    assert response.status_code == 403 and response.json()["code"] == "not_attachment_uploader"
    assert Comment.objects.filter(pk=graph["comment"].id, body="First!").exists()
    assert Attachment.objects.filter(pk=graph["attachment"].id).exists()


def test_comment_and_attachment_of_another_task_are_404(api, graph, team, member):
    """A comment or file id addressed through a different task of the same team is not found."""
    second = TaskFactory(team=team)
    client = api(member)
    assert client.patch(f"/api/tasks/{second.id}/comments/{graph['comment'].id}/", {"body": "x"}).status_code == 404
    assert client.get(f"/api/tasks/{second.id}/attachments/{graph['attachment'].id}/download/").status_code == 404


def test_nested_rows_of_another_tenant_are_404(api, member, task, other_task):
    foreign_comment = CommentFactory(task=other_task)
    foreign_file = AttachmentFactory(task=other_task)
    client = api(member)
    assert client.patch(f"/api/tasks/{task.id}/comments/{foreign_comment.id}/", {"body": "x"}).status_code == 404
    assert client.delete(f"/api/tasks/{task.id}/attachments/{foreign_file.id}/").status_code == 404
    assert Comment.objects.filter(pk=foreign_comment.pk).exists()
    assert Attachment.objects.filter(pk=foreign_file.pk).exists()


def test_manager_of_another_team_cannot_see_or_revoke_its_invitations(api, graph, tenant):
    """A MANAGER of the company who does not manage the team: its invitations do not exist for them."""
    from work.tests.factories import TeamFactory, make_member

    other_manager = make_member(TeamFactory(tenant=tenant, name="Elsewhere"), role="MANAGER").user
    client = api(other_manager)
    before = _snapshot()
    assert client.get("/api/teams/invitations/").json()["results"] == []
    response = client.delete(f"/api/teams/invitations/{graph['invitation'].id}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.get(f"/api/teams/{graph['team'].id}/")
    assert response.status_code == 404
    assert _snapshot() == before


def test_every_routed_endpoint_is_in_the_matrix():
    """A new route without a row in ENDPOINTS fails here, so the matrix cannot fall behind the URLs."""
    from work.api import task_urls, team_urls

    routed = {(pattern.name, method)
              for urls in (team_urls, task_urls) for pattern in urls.urlpatterns
              for method in pattern.callback.actions if method != "head"}
    covered = {
        ("team-list", "get"), ("team-list", "post"), ("team-detail", "get"), ("team-detail", "patch"),
        ("team-detail", "delete"), ("team-members", "get"), ("team-add-member", "post"),
        ("team-remove-member", "post"), ("team-invitation-list", "get"), ("team-invitation-list", "post"),
        ("team-invitation-detail", "delete"), ("team-invitation-accept", "post"),
        ("task-list", "get"), ("task-list", "post"), ("task-detail", "get"), ("task-detail", "patch"),
        ("task-detail", "delete"), ("task-board", "get"), ("task-move", "post"), ("task-comments", "get"),
        ("task-comments", "post"), ("task-comment-detail", "patch"), ("task-comment-detail", "delete"),
        ("task-attachments", "get"), ("task-attachments", "post"), ("task-attachment-detail", "get"),
        ("task-attachment-detail", "delete"), ("task-attachment-download", "get"), ("task-activities", "get"),
    }
    assert routed == covered
    assert len(ENDPOINTS) == len(covered)


def test_invitation_filter_does_not_reveal_other_tenants_team_ids(api, graph, manager, other_team):
    """Another company's team id and an id that exists nowhere answer the same."""
    client = api(manager)
    foreign = client.get(f"/api/teams/invitations/?team={other_team.id}")
    unknown = client.get("/api/teams/invitations/?team=987654")
    assert (foreign.status_code, foreign.json()["results"]) == (unknown.status_code, unknown.json()["results"]) \
        == (200, [])
    own = client.get(f"/api/teams/invitations/?team={graph['team'].id}").json()["results"]
    assert [row["id"] for row in own] == [graph["invitation"].id]
