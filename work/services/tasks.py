"""Tasks on the board: create, update, move and delete, each leaving TaskActivity rows."""

import datetime

from django.db import transaction
from django.utils import timezone

from tenancy.audit import AuditVerb, audit_record, created, deleted, diff
from tenancy.exceptions import Conflict, Forbidden, ServiceError
from tenancy.models import NotificationType, Tenant, User
from tenancy.services.common import model_update
from tenancy.services.notifications import notify
from work.models import (
    Task,
    TaskAction,
    TaskPriority,
    TaskStatus,
    Team,
    TeamMember,
)
from work.permissions import can_manage_team, can_work_on_team
from work.services.activity import activity_add
from work.services.attachments import delete_stored_files
from work.services.mentions import mentions_data, mentions_notify, mentions_resolve
from work.services.teams import _same_tenant, limit_check_locked

# Fields a generic update may change; status and position change only through task_move.
UPDATABLE_FIELDS = ("title", "description", "priority", "assignee", "due_on")


def _work_check(*, actor: User, team: Team) -> None:
    if not can_work_on_team(actor, team):
        raise Forbidden("Only members of the team may do this.", code="not_team_member")


def _title_check(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ServiceError("A task needs a title.", code="blank", fields={"title": ["This field may not be blank."]})
    return title


def _choice_check(*, field: str, value: str, choices) -> None:
    if value not in choices.values:
        raise ServiceError(f"Unknown {field}.", code="invalid_choice",
                           fields={field: [f'"{value}" is not a valid choice.']})


def _assignee_check(*, tenant: Tenant, team: Team, assignee: User | None) -> None:
    if assignee is None:
        return
    _same_tenant(tenant, assignee)
    if not assignee.is_active or not TeamMember.objects.filter(tenant=tenant, team=team, user=assignee).exists():
        raise ServiceError("The assignee must be a member of the task's team.", code="assignee_not_member",
                           fields={"assignee": ["Not a member of this team."]})


def _lock_team(*, tenant: Tenant, team: Team) -> Team:
    """Lock the team row: every change of positions on its board is serialised behind it."""
    return Team.objects.select_for_update().get(pk=team.pk, tenant=tenant)


def _notify_assigned(*, tenant: Tenant, actor: User, task: Task) -> None:
    if task.assignee is None or task.assignee_id == actor.pk:
        return
    notify(
        tenant=tenant, recipients=[task.assignee], type=NotificationType.TASK_ASSIGNED,
        title=f"Task assigned to you: {task.title}",
        body=f"{actor.get_full_name() or actor.email} assigned you \"{task.title}\" in {task.team.name}.",
        data={"task_id": task.pk, "team_id": task.team_id},
    )


@transaction.atomic
def task_create(*, tenant: Tenant, actor: User, team: Team, title: str, description: str = "",
                status: str = TaskStatus.TODO, priority: str = TaskPriority.MEDIUM,
                assignee: User | None = None, due_on: datetime.date | None = None) -> Task:
    """Create a task at the bottom of its column (counted against the plan's tasks)."""
    _same_tenant(tenant, team)
    _work_check(actor=actor, team=team)
    title = _title_check(title)
    _choice_check(field="status", value=status, choices=TaskStatus)
    _choice_check(field="priority", value=priority, choices=TaskPriority)
    _assignee_check(tenant=tenant, team=team, assignee=assignee)
    limit_check_locked(tenant=tenant, resource="tasks")
    team = _lock_team(tenant=tenant, team=team)
    if team.is_archived:
        raise Conflict("This team is archived.", code="team_archived")
    position = Task.objects.filter(tenant=tenant, team=team, status=status).count()
    mentioned = mentions_resolve(tenant=tenant, team=team, text=description)
    task = Task.objects.create(
        tenant=tenant, team=team, title=title, description=description, status=status, priority=priority,
        assignee=assignee, creator=actor if actor.tenant_id else None, due_on=due_on, position=position,
        completed_at=timezone.now() if status == TaskStatus.DONE else None, mentions=mentions_data(mentioned),
    )
    mentions_notify(tenant=tenant, actor=actor, task=task, users=mentioned, previous=[])
    activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.CREATED, field="status", new=status)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TASK_CREATED, obj=task,
                 changes=created(task, ["team", "title", "status", "priority", "assignee", "due_on"]))
    if assignee is not None:
        activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.ASSIGNED, field="assignee",
                     new=assignee)
        _notify_assigned(tenant=tenant, actor=actor, task=task)
    return task


@transaction.atomic
def task_update(*, tenant: Tenant, actor: User, task: Task, **changes) -> Task:
    """Change title, description, priority, assignee or due date; one activity row per changed field."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ServiceError("These fields cannot be changed here.", code="read_only_field",
                           fields={name: ["This field cannot be written."] for name in sorted(unknown)})
    _same_tenant(tenant, task)
    task = Task.objects.select_for_update().select_related("team", "assignee").get(pk=task.pk, tenant=tenant)
    _work_check(actor=actor, team=task.team)
    if "title" in changes:
        changes["title"] = _title_check(changes["title"])
    if "priority" in changes:
        _choice_check(field="priority", value=changes["priority"], choices=TaskPriority)
    if "assignee" in changes:
        _assignee_check(tenant=tenant, team=task.team, assignee=changes["assignee"])
    previous_mentions = task.mentions
    mentioned = None
    if "description" in changes and changes["description"] != task.description:
        mentioned = mentions_resolve(tenant=tenant, team=task.team, text=changes["description"])
        changes["mentions"] = mentions_data(mentioned)
    changed = model_update(task, changes, allowed=(*UPDATABLE_FIELDS, "mentions"), actor=actor)
    for field, (old, new) in changed.items():
        if field != "mentions":
            action = TaskAction.ASSIGNED if field == "assignee" else TaskAction.UPDATED
            activity_add(tenant=tenant, task=task, actor=actor, action=action, field=field, old=old, new=new)
    if mentioned is not None:
        mentions_notify(tenant=tenant, actor=actor, task=task, users=mentioned, previous=previous_mentions)
    if changed:
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TASK_UPDATED, obj=task, changes=changed)
        if "assignee" in changed:
            _notify_assigned(tenant=tenant, actor=actor, task=task)
    return task


def _renumber(tasks: list[Task]) -> list[Task]:
    """Give the tasks positions 0..n-1 in list order; return those whose position changed."""
    moved = []
    for index, task in enumerate(tasks):
        if task.position != index:
            task.position = index
            moved.append(task)
    return moved


@transaction.atomic
def task_move(*, tenant: Tenant, actor: User, task: Task, status: str, position: int) -> Task:
    """Put the task at `position` of the `status` column; both columns stay contiguous from 0."""
    _same_tenant(tenant, task)
    _choice_check(field="status", value=status, choices=TaskStatus)
    if not isinstance(position, int) or position < 0:
        raise ServiceError("The position must be zero or more.", code="invalid_position",
                           fields={"position": ["Must be zero or more."]})
    team = _lock_team(tenant=tenant, team=task.team)
    _work_check(actor=actor, team=team)
    old_status = Task.objects.filter(pk=task.pk, tenant=tenant).values_list("status", flat=True).get()
    columns = {old_status, status}
    rows = list(
        Task.objects.select_for_update()
        .filter(tenant=tenant, team=team, status__in=columns)
        .order_by("position", "id")
    )
    task = next(row for row in rows if row.pk == task.pk)
    old_position = task.position
    old_column = [row for row in rows if row.status == old_status]
    source = [row for row in old_column if row.pk != task.pk]
    target = source if status == old_status else [row for row in rows if row.status == status]
    # A position past the end of the column means "at the end".
    position = min(position, len(target))
    if status == old_status and old_column.index(task) == position and old_position == position:
        return task
    target.insert(position, task)
    task.status = status
    task.updated_at = timezone.now()
    if status != old_status:
        task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    changed = _renumber(target) + (_renumber(source) if target is not source else [])
    Task.objects.bulk_update({t.pk: t for t in [*changed, task]}.values(), ["position", "status", "completed_at",
                                                                            "updated_at"])
    if status != old_status:
        activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.MOVED, field="status",
                     old=old_status, new=status)
    if task.position != old_position:
        activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.MOVED, field="position",
                     old=old_position, new=task.position)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TASK_MOVED, obj=task,
                 changes=diff({"status": old_status, "position": old_position},
                              {"status": status, "position": task.position}))
    return task


@transaction.atomic
def task_delete(*, tenant: Tenant, actor: User, task: Task) -> None:
    """Delete a task (team managers, company admins or its creator) and close the gap in its column."""
    _same_tenant(tenant, task)
    team = _lock_team(tenant=tenant, team=task.team)
    task = Task.objects.select_for_update().get(pk=task.pk, tenant=tenant)
    if not (can_manage_team(actor, team) or (task.creator_id == actor.pk and can_work_on_team(actor, team))):
        raise Forbidden("Only the team's managers, company admins or its creator may delete a task.",
                        code="permission_denied")
    names = list(task.attachments.values_list("file", flat=True))
    status = task.status
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TASK_DELETED, obj=task,
                 changes=deleted(task, ["team", "title", "status"]))
    task.delete()
    rest = list(Task.objects.select_for_update().filter(tenant=tenant, team=team, status=status)
                .order_by("position", "id"))
    Task.objects.bulk_update(_renumber(rest), ["position"])
    delete_stored_files(names)
