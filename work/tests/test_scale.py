"""Lists that stay fast at 1M rows: cursor pages, capped counts, FULLTEXT search, index-backed plans."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from tenancy.api import pagination
from work import selectors
from work.api.serializers import TASK_ROW_COLUMNS, TaskSerializer, task_row, user_brief_of_row
from work.models import Task
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory


def _tasks(team, count, **kwargs):
    """`count` tasks, each created one minute after the previous one (distinct, ordered created_at)."""
    start = timezone.now() - datetime.timedelta(days=1)
    return [TaskFactory(team=team, created_at=start + datetime.timedelta(minutes=i), **kwargs) for i in range(count)]


def _walk(client, url):
    """Follow `next` from `url` to the end; the ids in order and the number of pages."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert "count" not in body  # a cursor page never counts the list
        ids += [row["id"] for row in body["results"]]
        pages += 1
        url = body["next"]
    return ids, pages


def test_cursor_pages_walk_the_whole_list_once_newest_first(api, member, team):
    tasks = _tasks(team, 7)
    ids, pages = _walk(api(member), "/api/tasks/?cursor=&page_size=3")
    assert ids == [t.id for t in reversed(tasks)] and pages == 3


def test_a_cursor_keeps_its_place_while_rows_are_added(api, member, team):
    tasks = _tasks(team, 5)
    client = api(member)
    first = client.get("/api/tasks/?cursor=&page_size=2").json()
    TaskFactory(team=team)  # newer than everything: lands before page 1, never shifts page 2
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [tasks[2].id, tasks[1].id]
    previous = client.get(second["previous"]).json()
    assert [row["id"] for row in previous["results"]] == [tasks[4].id, tasks[3].id]


def test_cursor_ties_on_created_at_are_neither_lost_nor_repeated(api, member, team):
    same_moment = timezone.now()
    tasks = [TaskFactory(team=team, created_at=same_moment) for _ in range(5)]
    ids, _pages = _walk(api(member), "/api/tasks/?cursor=&page_size=2")
    assert sorted(ids) == sorted(t.id for t in tasks) and len(ids) == 5


def test_cursor_follows_filters_and_ascending_created_at(api, member, team):
    tasks = _tasks(team, 4)
    done = tasks[::2]
    Task.objects.filter(pk__in=[t.pk for t in done]).update(status="DONE")
    ids, _pages = _walk(api(member), "/api/tasks/?cursor=&page_size=1&status=DONE&ordering=created_at")
    assert ids == [t.id for t in done]


@pytest.mark.parametrize(("query", "code"), [
    ("cursor=not-a-cursor", "invalid_cursor"),
    ("cursor=&ordering=due_on", "cursor_ordering_unsupported"),
    ("cursor=&ordering=-priority_rank", "cursor_ordering_unsupported"),
])
def test_bad_cursor_requests_are_400_with_a_code(api, member, task, query, code):
    response = api(member).get(f"/api/tasks/?{query}")
    assert response.status_code == 400 and response.json()["code"] == code


def test_other_lists_take_a_cursor_too(api, member, task, comment):
    body = api(member).get(f"/api/tasks/{task.id}/comments/?cursor=").json()
    assert [row["id"] for row in body["results"]] == [comment.id] and body["next"] is None


def test_page_numbers_count_up_to_the_cap_and_stop_there(api, member, team, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    _tasks(team, 6)
    client = api(member)
    body = client.get("/api/tasks/?page_size=2").json()
    assert body["count"] == 4 and body["count_is_capped"] is True and len(body["results"]) == 2
    assert client.get("/api/tasks/?page_size=2&page=2").status_code == 200
    response = client.get("/api/tasks/?page_size=2&page=3")
    assert response.status_code == 400 and response.json()["code"] == "page_too_deep"
    small = client.get("/api/tasks/?page_size=2&status=IN_REVIEW").json()
    assert small["count"] == 0 and small["count_is_capped"] is False


def test_the_schema_documents_the_cursor(api):
    schema = api().get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/tasks/"]["get"]["parameters"]
    assert any(p["name"] == "cursor" and p["in"] == "query" for p in parameters)
    page = schema["components"]["schemas"]["PaginatedTaskList"]
    assert "count_is_capped" in page["properties"]


@pytest.mark.parametrize("query", ["", "?cursor=", "?search=spec", "?status=TODO&ordering=due_on"])
def test_task_list_queries_do_not_grow_with_rows(api, member, team, query, django_assert_max_num_queries):
    client = api(member)
    for task in _tasks(team, 3, assignee=member, creator=member):
        CommentFactory(task=task)
    client.get(f"/api/tasks/{query}")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/api/tasks/{query}").status_code == 200
    for task in _tasks(team, 12, assignee=member, creator=member):
        CommentFactory(task=task)
        AttachmentFactory(task=task)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/api/tasks/{query}").status_code == 200
    assert len(few) == len(many)


def test_the_fast_task_row_equals_drfs_field_by_field_output(tenant, team, member, manager):
    from rest_framework import serializers

    class Generic(TaskSerializer):
        to_representation = serializers.ModelSerializer.to_representation

    TaskFactory(team=team, assignee=member, creator=manager, due_on=datetime.date(2026, 3, 1),
                completed_at=timezone.now(), description="d")
    TaskFactory(team=team, assignee=None, creator=None)
    tasks = list(selectors.task_list(tenant=tenant, user=manager))
    rows = {row["id"]: row for row in selectors.task_list(tenant=tenant, user=manager).values(*TASK_ROW_COLUMNS)}
    users = {row["id"]: user_brief_of_row(row)
             for row in selectors.user_briefs(user_ids=[member.id, manager.id, None])}
    assert len(tasks) == len(rows) == 2 and len(users) == 2
    for task in tasks:
        assert TaskSerializer(task).data == Generic(task).data
        assert task_row(rows[task.id], users) == Generic(task).data  # the list's dict rows: the same output


def test_per_row_counts_are_per_task(api, member, task, team):
    other = TaskFactory(team=team)
    CommentFactory.create_batch(2, task=task)
    AttachmentFactory(task=task)
    rows = {row["id"]: row for row in api(member).get("/api/tasks/").json()["results"]}
    assert (rows[task.id]["comment_count"], rows[task.id]["attachment_count"]) == (2, 1)
    assert (rows[other.id]["comment_count"], rows[other.id]["attachment_count"]) == (0, 0)


# FULLTEXT indexes see committed rows only, so the search tests commit (transaction=True).

@pytest.mark.django_db(transaction=True)
def test_search_finds_every_word_in_title_or_description(api, member, team):
    low = TaskFactory(team=team, title="Tidy the wiki", priority="LOW")
    urgent = TaskFactory(team=team, title="Outage", description="the WIKI is down")
    TaskFactory(team=team, title="Other wikipedia-free task")
    both = TaskFactory(team=team, title="Quarterly roadmap review", description="ask finance")
    client = api(member)

    def ids(query):
        response = client.get(f"/api/tasks/?search={query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("wiki") >= {low.id, urgent.id}
    assert ids("roadmap finance") == {both.id}
    assert ids("road") == {both.id}  # a word prefix
    assert ids("roadmap nowhere") == set()
    assert ids("   ") == {t.id for t in Task.objects.filter(team=team)}


@pytest.mark.django_db(transaction=True)
def test_search_is_scoped_to_the_tenant(api, member, team, other_tenant):
    from work.tests.factories import TeamFactory

    TaskFactory(team=TeamFactory(tenant=other_tenant), title="Secret roadmap")
    mine = TaskFactory(team=team, title="Public roadmap")
    assert [r["id"] for r in api(member).get("/api/tasks/?search=roadmap").json()["results"]] == [mine.id]


def test_boolean_query_keeps_indexable_words_as_required_prefixes():
    from tenancy.search import boolean_query

    assert boolean_query("Quarterly  road-map") == "+Quarterly* +road* +map*"
    assert boolean_query('x "+-*@ ab') == ""  # nothing indexable: the caller falls back to LIKE


# --- plans on MariaDB: the hot list queries read an index in order (no filesort, no temporary table) ---

def _plan(queryset) -> list[dict]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def grown(tenant, team, manager):
    """A thousand tasks (bulk) so that the optimizer's choice reflects a real list.

    (No ANALYZE TABLE: it would commit the test's transaction.)
    """
    now = timezone.now()
    Task.objects.bulk_create([
        Task(tenant=tenant, team=team, title=f"Task {i}", status=("TODO", "DONE")[i % 2], creator=manager,
             position=i, created_at=now - datetime.timedelta(minutes=i)) for i in range(1000)])
    return team


@pytest.mark.mariadb
@pytest.mark.parametrize("filters", [{}, {"status": "DONE"}, {"team": "team"}])
def test_hot_task_list_plans_read_an_index_in_order(grown, tenant, tenant_admin, filters):
    filters = {key: grown if value == "team" else value for key, value in filters.items()}
    queryset = selectors.task_list(tenant=tenant, user=tenant_admin).filter(**filters)[:50]
    plan = _plan(queryset)
    task_step = next(step for step in plan if step["table"] == "work_task")
    assert task_step["key"] and task_step["key"].startswith("task_tenant"), plan
    extras = " ".join(step["Extra"] or "" for step in plan)
    assert "filesort" not in extras and "temporary" not in extras, plan


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_staff_task_list_plan_reads_the_created_index(grown):
    # A staff list spans every tenant: at a few thousand rows a full scan wins, at 20k the index does.
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO work_task (tenant_id, team_id, title, description, status, priority, position,
                                                 mentions, created_at, updated_at)
                          SELECT tenant_id, team_id, title, description, status, priority, position, mentions,
                                 DATE_SUB(created_at, INTERVAL seq DAY), updated_at
                          FROM work_task CROSS JOIN seq_1_to_20 WHERE tenant_id = %s""", [grown.tenant_id])
        cursor.execute("ANALYZE TABLE work_task")  # fresh statistics (ANALYZE commits: hence transaction=True)
    from platform_admin.admin.work import TaskAdmin

    assert TaskAdmin.list_select_related == ()  # related rows are prefetched: the plan is the task table's
    plan = _plan(Task.objects.order_by("-created_at", "-id")[:100])
    task_step = next(step for step in plan if step["table"] == "work_task")
    assert task_step["key"] == "task_created_idx", plan
    assert "filesort" not in " ".join(step["Extra"] or "" for step in plan), plan


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_search_plan_uses_the_fulltext_index(tenant, team):
    from tenancy.search import search

    TaskFactory(team=team, title="Quarterly roadmap")
    plan = _plan(search(Task.objects.filter(tenant=tenant), "roadmap", fulltext=["title", "description"]))
    assert any(step["key"] == "task_fulltext_idx" for step in plan), plan


@pytest.mark.parametrize("path", ["/api/notifications/", "/api/activity/", "/api/tenants/members/",
                                  "/api/teams/", "/api/tasks/{task}/activities/", "/api/tasks/{task}/attachments/"])
def test_every_list_walks_by_cursor(api, tenant_admin, task, path):
    """Large lists take ?cursor= (keyset pages); the walk visits each row once."""
    url = path.format(task=task.id)
    client = api(tenant_admin)
    by_page = client.get(url + "?page_size=100")
    assert by_page.status_code == 200, by_page.json()
    ids, _pages = _walk(client, url + "?cursor=&page_size=1")
    assert ids == [row["id"] for row in by_page.json()["results"]]


def test_the_list_count_joins_nothing(api, member, team):
    """The capped COUNT reads only the task table (joined users made it read every counted row, make bench)."""
    from django.test.utils import CaptureQueriesContext

    _tasks(team, 3, assignee=member, creator=member)
    with CaptureQueriesContext(connection) as captured:
        body = api(member).get("/api/tasks/").json()
    assert body["count"] == 3 and body["results"][0]["assignee"]["email"] == member.email
    counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and "JOIN" not in counts[0].upper(), counts
