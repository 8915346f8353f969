"""The Kanban board: column order, moves that keep positions contiguous, and fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenancy.models import Role
from tenancy.tests.factories import TenantFactory, UserFactory
from work import selectors
from work.models import BOARD_COLUMNS, Task, TaskActivity, TaskStatus
from work.services.tasks import task_create, task_delete, task_move
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory, TeamFactory, make_member


def assert_contiguous(team) -> dict[str, list[int]]:
    columns = {status: [] for status in BOARD_COLUMNS}
    for status, position, task_id in Task.objects.filter(team=team).order_by("position").values_list(
            "status", "position", "id"):
        columns[status].append((position, task_id))
    for status, rows in columns.items():
        assert [p for p, _ in rows] == list(range(len(rows))), f"{status} positions: {rows}"
    return {status: [task_id for _, task_id in rows] for status, rows in columns.items()}


def _fill(team, user, count: int) -> None:
    statuses = list(TaskStatus.values)
    for i in range(count):
        task = TaskFactory(team=team, status=statuses[i % 4], assignee=user, creator=user)
        if i % 3 == 0:
            CommentFactory(task=task, author=user)
            AttachmentFactory(task=task, uploader=user)


def test_board_lists_the_four_columns_in_order(api, member, team):
    for status in reversed(TaskStatus.values):
        for _ in range(2):
            TaskFactory(team=team, status=status)
    body = api(member).get(f"/api/tasks/board/?team={team.id}").json()
    assert [c["status"] for c in body["columns"]] == ["TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert body["team"]["id"] == team.id
    for column in body["columns"]:
        assert [t["position"] for t in column["tasks"]] == [0, 1]
        assert {t["status"] for t in column["tasks"]} == {column["status"]}


def test_move_within_and_across_columns(api, member, team):
    todo = [TaskFactory(team=team) for _ in range(4)]
    client = api(member)
    response = client.post(f"/api/tasks/{todo[3].id}/move/", {"status": "TODO", "position": 0})
    assert response.status_code == 200 and response.json()["position"] == 0
    assert assert_contiguous(team)["TODO"] == [todo[3].id, todo[0].id, todo[1].id, todo[2].id]
    response = client.post(f"/api/tasks/{todo[0].id}/move/", {"status": "DONE", "position": 7})
    assert response.json()["position"] == 0 and response.json()["status"] == "DONE"
    assert response.json()["completed_at"] is not None
    columns = assert_contiguous(team)
    assert columns["TODO"] == [todo[3].id, todo[1].id, todo[2].id] and columns["DONE"] == [todo[0].id]
    response = client.post(f"/api/tasks/{todo[0].id}/move/", {"status": "IN_REVIEW", "position": 0})
    assert response.json()["completed_at"] is None


def test_moving_to_the_same_place_changes_nothing(api, member, team):
    task = TaskFactory(team=team)
    before = TaskActivity.objects.count()
    assert api(member).post(f"/api/tasks/{task.id}/move/", {"status": "TODO", "position": 0}).status_code == 200
    assert TaskActivity.objects.count() == before


def test_create_appends_and_delete_closes_the_gap(member, team, tenant):
    tasks = [task_create(tenant=tenant, actor=member, team=team, title=f"t{i}") for i in range(3)]
    assert [t.position for t in tasks] == [0, 1, 2]
    task_delete(tenant=tenant, actor=member, task=tasks[0])
    assert assert_contiguous(team)["TODO"] == [tasks[1].id, tasks[2].id]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    initial=st.lists(st.sampled_from(TaskStatus.values), min_size=1, max_size=8),
    moves=st.lists(
        st.tuples(st.integers(min_value=0, max_value=7), st.sampled_from(TaskStatus.values),
                  st.integers(min_value=0, max_value=9)),
        max_size=15,
    ),
)
def test_random_moves_keep_every_column_contiguous(initial, moves):
    tenant = TenantFactory()
    user = UserFactory(tenant=tenant, role=Role.MEMBER)
    team = TeamFactory(tenant=tenant)
    make_member(team, user)
    tasks = [TaskFactory(team=team, status=status) for status in initial]
    for index, status, position in moves:
        task = tasks[index % len(tasks)]
        task.refresh_from_db()
        task_move(tenant=tenant, actor=user, task=task, status=status, position=position)
        columns = assert_contiguous(team)
        moved = Task.objects.get(pk=task.pk)
        expected = min(position, len(columns[status]) - 1)
        assert moved.status == status and moved.position == expected
    columns = assert_contiguous(team)
    board = selectors.task_board(tenant=tenant, user=user, team=team)
    assert [c["status"] for c in board] == BOARD_COLUMNS
    for column in board:
        assert [t.position for t in column["tasks"]] == list(range(len(column["tasks"])))
        assert [t.pk for t in column["tasks"]] == columns[column["status"]]
    assert sum(len(c["tasks"]) for c in board) == len(initial)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["member", "tenant_admin"])
def test_task_list_runs_a_fixed_number_of_queries(who, request, api, team, member, django_assert_num_queries):
    user = request.getfixturevalue(who)
    client = api(user)
    url = "/api/tasks/?page_size=100"
    _fill(team, member, 10)
    client.get(url)  # warm the tenant-resolution cache
    small = _count(client, url)
    _fill(team, member, 90)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.json()["results"]) == 100
    assert small <= 6


def test_board_runs_a_fixed_number_of_queries(api, team, member, django_assert_num_queries):
    client = api(member)
    url = f"/api/tasks/board/?team={team.id}"
    _fill(team, member, 10)
    client.get(url)
    small = _count(client, url)
    _fill(team, member, 190)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert sum(len(c["tasks"]) for c in response.json()["columns"]) == 200
    assert small <= 6


def test_nested_lists_run_a_fixed_number_of_queries(api, team, task, member, django_assert_num_queries):
    client = api(member)
    urls = [f"/api/tasks/{task.id}/comments/", f"/api/tasks/{task.id}/attachments/",
            f"/api/tasks/{task.id}/activities/", f"/api/teams/{team.id}/members/", "/api/teams/"]
    CommentFactory(task=task, author=member)
    AttachmentFactory(task=task, uploader=member)
    TaskActivity.objects.create(tenant=task.tenant, task=task, actor=member, action="created")
    client.get(urls[0])
    counts = [_count(client, url) for url in urls]
    for _ in range(20):
        CommentFactory(task=task, author=member)
        AttachmentFactory(task=task, uploader=member)
        TaskActivity.objects.create(tenant=task.tenant, task=task, actor=member, action="updated")
        make_member(team)
        make_member(TeamFactory(tenant=team.tenant), member)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            client.get(url)


@pytest.mark.parametrize("who", ["manager", "tenant_admin"])
def test_team_and_invitation_lists_run_a_fixed_number_of_queries(who, request, api, tenant, team, manager,
                                                                 django_assert_num_queries):
    from work.services.teams import team_invitation_create

    user = request.getfixturevalue(who)
    client = api(user)
    urls = ["/api/teams/", "/api/teams/invitations/", f"/api/teams/{team.id}/members/"]

    def grow(start: int, count: int) -> None:
        for i in range(start, start + count):
            team_invitation_create(tenant=tenant, actor=manager, team=team, email=f"guest{i}@alpha.example")
            other = TeamFactory(tenant=tenant)
            make_member(other, manager, "MANAGER")
            make_member(other)
            make_member(team)

    grow(0, 2)
    client.get(urls[0])
    counts = [_count(client, url) for url in urls]
    grow(2, 20)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            response = client.get(url)
        assert response.json()["count"] >= 20, url
