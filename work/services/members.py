"""What happens to a member's work when the company removes them (registered with tenancy)."""

from tenancy.models import Tenant, User
from work.models import Task, TaskAction, TaskStatus, TeamMember
from work.services.activity import activity_add
from work.services.tasks import _notify_assigned


def member_release(*, tenant: Tenant, actor: User, member: User, reassign_to: User | None) -> dict:
    """Hand the member's open tasks to `reassign_to` (where on the task's team) or unassign them; leave teams.

    Runs inside tenancy's `member_remove` transaction. Each task change leaves an "assigned"
    history row; done tasks keep their assignee, as history.
    """
    target_teams = set()
    if reassign_to is not None:
        target_teams = set(TeamMember.objects.filter(tenant=tenant, user=reassign_to)
                           .values_list("team_id", flat=True))
    tasks = list(Task.objects.select_for_update().select_related("team")
                 .filter(tenant=tenant, assignee=member).exclude(status=TaskStatus.DONE).order_by("pk"))
    reassigned = unassigned = 0
    for task in tasks:
        new = reassign_to if task.team_id in target_teams else None
        task.assignee = new
        task.save(update_fields=["assignee", "updated_at"])
        activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.ASSIGNED, field="assignee",
                     old=member, new=new)
        if new is None:
            unassigned += 1
        else:
            reassigned += 1
            _notify_assigned(tenant=tenant, actor=actor, task=task)
    teams_left, _ = TeamMember.objects.filter(tenant=tenant, user=member).delete()
    return {"reassigned": reassigned, "unassigned": unassigned, "teams_left": teams_left}
