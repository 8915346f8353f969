"""Fixtures of the work app: a team of the `tenant` with its manager and member, tasks, comments, files."""

import pytest

from tenancy import limits
from tenancy.models import Role
from tenancy.tests.factories import UserFactory
from work.models import TeamRole
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory, TeamFactory, make_member


@pytest.fixture
def registered_policy() -> list:
    """The plan policy registered when the apps loaded (billing's), before any test replaced it."""
    return list(limits._policy)


@pytest.fixture(autouse=True)
def plan_limits(registered_policy):
    """The plan policy of every work test: unlimited unless a test sets limits in the returned dict.

    Billing registers the real policy; these tests must not depend on it (`real_plan_policy` puts it back).
    """
    current: dict = {}
    limits.register_policy(lambda tenant: dict(current))
    yield current
    limits._policy[:] = registered_policy


@pytest.fixture
def real_plan_policy(plan_limits, registered_policy):
    """Use the policy the apps registered (billing's plan limits) instead of the test dict."""
    limits._policy[:] = registered_policy


@pytest.fixture
def team(tenant, manager, member):
    team = TeamFactory(tenant=tenant, name="Platform")
    make_member(team, manager, TeamRole.MANAGER)
    make_member(team, member, TeamRole.MEMBER)
    return team


@pytest.fixture
def outsider(tenant):
    """A MEMBER of the tenant who belongs to no team."""
    return UserFactory(tenant=tenant, role=Role.MEMBER, email="outsider@alpha.example")


@pytest.fixture
def task(team, manager, member):
    return TaskFactory(team=team, creator=manager, assignee=member, title="Write the spec")


@pytest.fixture
def comment(task, member):
    return CommentFactory(task=task, author=member, body="First!")


@pytest.fixture
def attachment(task, member):
    return AttachmentFactory(task=task, uploader=member)


@pytest.fixture
def other_team(other_tenant, other_admin):
    team = TeamFactory(tenant=other_tenant, name="Beta team")
    make_member(team, other_admin, TeamRole.MANAGER)
    return team


@pytest.fixture
def other_task(other_team, other_admin):
    return TaskFactory(team=other_team, creator=other_admin, title="Beta task")
