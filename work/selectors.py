"""Every read of the work app that the API or the admin needs; each list runs a fixed number of queries."""

import re

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from tenancy.exceptions import NotFound
from tenancy.models import MAX_ID, Tenant, User
from work.models import (
    BOARD_COLUMNS,
    Attachment,
    Comment,
    Task,
    TaskActivity,
    TaskPriority,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)
from work.permissions import is_work_admin

# The largest id a BIGINT column holds; a longer number is simply not an id (and would overflow SQLite).
_ID = re.compile(r"[0-9]{1,19}")


def as_id(value) -> int | None:
    """Return `value` as a row id, or None when it cannot be one ("abc", "-1", "\u00b2", 10**30)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    text = str(value)
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _count_of(model, *, tenant: Tenant):
    rows = (
        model.objects.filter(tenant=tenant, task=OuterRef("pk"))
        .order_by().values("task").annotate(n=Count("id")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _with_counts(queryset: QuerySet[Task], *, tenant: Tenant) -> QuerySet[Task]:
    # No INNER JOIN: with one the optimizer may start from the small team table and sort the tenant's million
    # tasks (the 1M bench). Users are LEFT JOINs (nullable), which keep the task table first; the team's name
    # and the counts are correlated subqueries on primary keys and (tenant, task) indexes, run for the page's
    # rows only.
    return queryset.select_related("assignee", "creator").annotate(
        team_name=Subquery(Team.objects.filter(pk=OuterRef("team_id")).values("name")[:1]),
        comment_count=_count_of(Comment, tenant=tenant),
        attachment_count=_count_of(Attachment, tenant=tenant),
        # Sorting by priority means by urgency, not alphabetically.
        priority_rank=Case(*[When(priority=value, then=Value(rank)) for rank, value in enumerate(TaskPriority.values)],
                           output_field=IntegerField()),
    )


def _visible_team_ids(*, tenant: Tenant, user: User):
    return TeamMember.objects.filter(tenant=tenant, user=user).values("team_id")


def team_list(*, tenant: Tenant, user: User, include_archived: bool = True) -> QuerySet[Team]:
    """Every team of the tenant for its admins, otherwise the teams the user belongs to."""
    queryset = (
        Team.objects.filter(tenant=tenant)
        .select_related("created_by")
        .prefetch_related(Prefetch("memberships", queryset=TeamMember.objects.filter(tenant=tenant)))
        .order_by("name", "id")
    )
    if not include_archived:
        queryset = queryset.filter(is_archived=False)
    if not is_work_admin(user):
        queryset = queryset.filter(pk__in=_visible_team_ids(tenant=tenant, user=user))
    return queryset


def team_get(*, tenant: Tenant, user: User, team_id) -> Team:
    """Return a team the user may see; any other id (or another tenant's) is the same 404."""
    team_id = as_id(team_id)
    team = team_list(tenant=tenant, user=user).filter(pk=team_id).first() if team_id else None
    if team is None:
        raise NotFound("Team not found.", code="team_not_found")
    return team


def team_member_list(*, tenant: Tenant, team: Team) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(tenant=tenant, team=team)
        .select_related("user")
        .order_by("-role", "user__email")
    )


def team_invitation_list(*, tenant: Tenant, user: User) -> QuerySet[TeamInvitation]:
    """Invitations of the teams the user manages (every team for company admins)."""
    queryset = (
        TeamInvitation.objects.filter(tenant=tenant)
        .select_related("team", "invited_by", "accepted_by")
        .order_by("-created_at", "-id")
    )
    if not is_work_admin(user):
        managed = TeamMember.objects.filter(tenant=tenant, user=user, role=TeamRole.MANAGER).values("team_id")
        queryset = queryset.filter(team_id__in=managed)
    return queryset


def task_list(*, tenant: Tenant, user: User) -> QuerySet[Task]:
    """Tasks of the teams the user may see, with everything the list shows joined in."""
    queryset = _with_counts(Task.objects.filter(tenant=tenant), tenant=tenant).order_by("-created_at", "-id")
    if not is_work_admin(user):
        queryset = queryset.filter(team_id__in=_visible_team_ids(tenant=tenant, user=user))
    return queryset


def user_briefs(*, user_ids) -> list[dict]:
    """The id, e-mail and names of these users (a task list page's assignees and creators), one query."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return []
    return list(User.objects.filter(pk__in=ids).values("id", "email", "first_name", "last_name"))


def task_get(*, tenant: Tenant, user: User, task_id) -> Task:
    task_id = as_id(task_id)
    task = task_list(tenant=tenant, user=user).filter(pk=task_id).first() if task_id else None
    if task is None:
        raise NotFound("Task not found.", code="task_not_found")
    return task


def task_board(*, tenant: Tenant, user: User, team: Team) -> list[dict]:
    """Return the team's four columns in board order, each with its tasks ordered by position."""
    tasks = _with_counts(Task.objects.filter(tenant=tenant, team=team), tenant=tenant).order_by("position", "id")
    columns = {status: [] for status in BOARD_COLUMNS}
    for task in tasks:
        columns[task.status].append(task)
    return [{"status": status, "tasks": columns[status]} for status in BOARD_COLUMNS]


def comment_list(*, tenant: Tenant, task: Task) -> QuerySet[Comment]:
    return Comment.objects.filter(tenant=tenant, task=task).select_related("author").order_by("created_at", "id")


def comment_get(*, tenant: Tenant, task: Task, comment_id) -> Comment:
    comment_id = as_id(comment_id)
    comment = comment_list(tenant=tenant, task=task).filter(pk=comment_id).first() if comment_id else None
    if comment is None:
        raise NotFound("Comment not found.", code="comment_not_found")
    return comment


def attachment_list(*, tenant: Tenant, task: Task) -> QuerySet[Attachment]:
    return Attachment.objects.filter(tenant=tenant, task=task).select_related("uploader").order_by("created_at", "id")


def attachment_get(*, tenant: Tenant, task: Task, attachment_id) -> Attachment:
    attachment_id = as_id(attachment_id)
    attachment = attachment_list(tenant=tenant, task=task).filter(pk=attachment_id).first() if attachment_id else None
    if attachment is None:
        raise NotFound("Attachment not found.", code="attachment_not_found")
    return attachment


def task_activity_list(*, tenant: Tenant, task: Task) -> QuerySet[TaskActivity]:
    return TaskActivity.objects.filter(tenant=tenant, task=task).select_related("actor").order_by("created_at", "id")


def team_usage(tenant: Tenant) -> int:
    """Teams that count against the plan: the ones not archived."""
    return Team.objects.filter(tenant=tenant, is_archived=False).count()


def task_usage(tenant: Tenant) -> int:
    return Task.objects.filter(tenant=tenant).count()


def attachment_storage_mb(tenant: Tenant) -> float:
    total = Attachment.objects.filter(tenant=tenant).aggregate(total=Sum("size"))["total"] or 0
    return total / (1024 * 1024)
