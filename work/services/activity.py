"""What task writes share: the task's own history (TaskActivity) and the task row lock.

Tasks, comments, attachments and team membership changes all append to a task's history under its
lock; this module sits below all of them so that none has to import another to do it.
"""

import datetime

from tenancy.exceptions import NotFound
from tenancy.models import Tenant, User
from work.models import Task, TaskActivity


def _value(value) -> str:
    """Render a field value for the activity history."""
    if value is None:
        return ""
    if isinstance(value, User):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def activity_add(*, tenant: Tenant, task: Task, actor: User | None, action: str, field: str = "",
                 old=None, new=None) -> TaskActivity:
    """Append one row to the task's history."""
    return TaskActivity.objects.create(tenant=tenant, task=task, actor=actor, action=action, field=field,
                                       old_value=_value(old), new_value=_value(new))


def task_lock(*, tenant: Tenant, task: Task) -> None:
    """Lock the task's row so that it cannot be deleted under a write to it; 404 if it already was."""
    if not Task.objects.select_for_update().filter(pk=task.pk, tenant=tenant).exists():
        raise NotFound()
