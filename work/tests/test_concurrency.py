"""Concurrent moves and creates on one board (MariaDB, where SELECT ... FOR UPDATE really locks)."""


import pytest

from project.testing import run_at_once
from tenancy.models import Role
from tenancy.tests.factories import TenantFactory, UserFactory
from work.models import Task, TaskStatus
from work.services.tasks import task_create, task_move
from work.tests.factories import TaskFactory, TeamFactory, make_member
from work.tests.test_board import assert_contiguous

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def _run_at_once(jobs) -> list[Exception]:
    """Run the jobs from threads released together; return the exceptions they raised."""
    return [result for result in run_at_once(jobs, timeout=60) if isinstance(result, Exception)]


def test_concurrent_moves_keep_columns_contiguous():
    tenant = TenantFactory()
    user = UserFactory(tenant=tenant, role=Role.MEMBER)
    team = TeamFactory(tenant=tenant)
    make_member(team, user)
    tasks = [TaskFactory(team=team) for _ in range(8)]
    statuses = TaskStatus.values
    jobs = [
        (lambda t=task, i=i: task_move(tenant=tenant, actor=user, task=Task.objects.get(pk=t.pk),
                                       status=statuses[i % 4], position=0))
        for i, task in enumerate(tasks)
    ]
    assert _run_at_once(jobs) == []
    columns = assert_contiguous(team)
    assert sum(len(ids) for ids in columns.values()) == 8
    assert all(len(columns[status]) == 2 for status in statuses)


def test_concurrent_creates_get_distinct_positions():
    tenant = TenantFactory()
    user = UserFactory(tenant=tenant, role=Role.MEMBER)
    team = TeamFactory(tenant=tenant)
    make_member(team, user)
    jobs = [(lambda i=i: task_create(tenant=tenant, actor=user, team=team, title=f"t{i}")) for i in range(6)]
    assert _run_at_once(jobs) == []
    assert len(assert_contiguous(team)["TODO"]) == 6


def test_concurrent_team_creates_stop_at_the_plan_limit(plan_limits):
    from tenancy.exceptions import PlanLimitReached
    from work.models import Team
    from work.services.teams import team_create

    plan_limits["teams"] = 2
    tenant = TenantFactory()
    manager = UserFactory(tenant=tenant, role=Role.MANAGER)
    jobs = [(lambda i=i: team_create(tenant=tenant, actor=manager, name=f"Team {i}")) for i in range(5)]
    errors = _run_at_once(jobs)
    assert Team.objects.filter(tenant=tenant).count() == 2
    assert len(errors) == 3 and all(isinstance(error, PlanLimitReached) for error in errors), errors


def test_concurrent_task_creates_in_different_teams_stop_at_the_plan_limit(plan_limits):
    from tenancy.exceptions import PlanLimitReached

    plan_limits["tasks"] = 3
    tenant = TenantFactory()
    user = UserFactory(tenant=tenant, role=Role.MEMBER)
    teams = [TeamFactory(tenant=tenant) for _ in range(3)]
    for team in teams:
        make_member(team, user)
    jobs = [(lambda i=i: task_create(tenant=tenant, actor=user, team=teams[i % 3], title=f"t{i}")) for i in range(6)]
    errors = _run_at_once(jobs)
    assert Task.objects.filter(tenant=tenant).count() == 3
    assert len(errors) == 3 and all(isinstance(error, PlanLimitReached) for error in errors), errors
