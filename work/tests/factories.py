"""Factories that take the tenant from the parent object, so a cross-tenant graph cannot be built by accident."""

import factory

from tenancy.models import Role
from tenancy.tests.factories import TenantFactory, UserFactory
from work.models import Attachment, Comment, Task, TaskStatus, Team, TeamMember, TeamRole


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    description = ""


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    tenant = factory.SelfAttribute("team.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..team.tenant"))
    role = TeamRole.MEMBER


class ManagerMembershipFactory(TeamMemberFactory):
    role = TeamRole.MANAGER
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..team.tenant"), role=Role.MANAGER)


def _next_position(task) -> int:
    return Task.objects.filter(tenant=task.team.tenant, team=task.team, status=task.status).count()


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    team = factory.SubFactory(TeamFactory)
    tenant = factory.SelfAttribute("team.tenant")
    title = factory.Sequence(lambda n: f"Task {n}")
    status = TaskStatus.TODO
    creator = None
    assignee = None
    position = factory.LazyAttribute(_next_position)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    task = factory.SubFactory(TaskFactory)
    tenant = factory.SelfAttribute("task.tenant")
    author = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..task.tenant"))
    body = factory.Sequence(lambda n: f"Comment {n}")


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    task = factory.SubFactory(TaskFactory)
    tenant = factory.SelfAttribute("task.tenant")
    uploader = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..task.tenant"))
    file = factory.django.FileField(filename="notes.txt", data=b"hello")
    original_name = "notes.txt"
    size = 5
    content_type = "text/plain"


def make_member(team, user=None, role=TeamRole.MEMBER) -> TeamMember:
    """Put `user` (or a new user of the team's tenant) in the team."""
    if user is None:
        user = UserFactory(tenant=team.tenant, role=Role.MANAGER if role == TeamRole.MANAGER else Role.MEMBER)
    return TeamMember.objects.create(tenant=team.tenant, team=team, user=user, role=role)
