"""Comments on tasks: the author writes and edits; the author or a company admin deletes."""

from django.db import transaction
from django.utils import timezone

from tenancy.audit import AuditVerb, audit_record
from tenancy.exceptions import Forbidden, ServiceError
from tenancy.models import NotificationType, Tenant, User
from tenancy.services.notifications import notify
from work.models import Comment, Task, TaskAction
from work.permissions import can_work_on_team, is_work_admin
from work.services.activity import activity_add, task_lock
from work.services.mentions import mentions_data, mentions_notify, mentions_resolve
from work.services.teams import _same_tenant


def _body_check(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError("A comment needs a body.", code="blank", fields={"body": ["This field may not be blank."]})
    return body


@transaction.atomic
def comment_create(*, tenant: Tenant, actor: User, task: Task, body: str) -> Comment:
    """Comment on a task and notify its creator and assignee (not the author)."""
    _same_tenant(tenant, task)
    if not can_work_on_team(actor, task.team):
        raise Forbidden("Only members of the team may comment.", code="not_team_member")
    body = _body_check(body)
    task_lock(tenant=tenant, task=task)
    mentioned = mentions_resolve(tenant=tenant, team=task.team, text=body)
    comment = Comment.objects.create(tenant=tenant, task=task, author=actor, body=body,
                                     mentions=mentions_data(mentioned))
    activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.COMMENTED, field="comment",
                 new=comment.pk)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.COMMENT_CREATED, obj=comment,
                 changes={"task": [None, task.pk], "body": [None, comment.body]})
    recipients = [user for user in (task.creator, task.assignee) if user is not None and user.pk != actor.pk]
    if recipients:
        notify(
            tenant=tenant, recipients=recipients, type=NotificationType.TASK_COMMENTED,
            title=f"New comment on {task.title}",
            body=f"{actor.get_full_name() or actor.email}: {comment.body[:500]}",
            data={"task_id": task.pk, "comment_id": comment.pk},
        )
    mentions_notify(tenant=tenant, actor=actor, task=task, users=mentioned, previous=[], comment=comment)
    return comment


@transaction.atomic
def comment_update(*, tenant: Tenant, actor: User, comment: Comment, body: str) -> Comment:
    """Edit one's own comment."""
    _same_tenant(tenant, comment)
    comment = Comment.objects.select_for_update().select_related("task__team").get(pk=comment.pk, tenant=tenant)
    if comment.author_id != actor.pk:
        raise Forbidden("Only its author may edit a comment.", code="not_comment_author")
    body = _body_check(body)
    if body != comment.body:
        old, previous = comment.body, comment.mentions
        mentioned = mentions_resolve(tenant=tenant, team=comment.task.team, text=body)
        comment.body = body
        comment.mentions = mentions_data(mentioned)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "mentions", "edited_at"])
        activity_add(tenant=tenant, task=comment.task, actor=actor, action=TaskAction.COMMENT_EDITED,
                     field="comment", old=old, new=body)
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.COMMENT_EDITED, obj=comment,
                     changes={"body": [old, body]})
        mentions_notify(tenant=tenant, actor=actor, task=comment.task, users=mentioned, previous=previous,
                        comment=comment)
    return comment


@transaction.atomic
def comment_delete(*, tenant: Tenant, actor: User, comment: Comment) -> None:
    """Delete a comment: its author, or a company admin."""
    _same_tenant(tenant, comment)
    comment = Comment.objects.select_for_update().select_related("task").get(pk=comment.pk, tenant=tenant)
    if comment.author_id != actor.pk and not is_work_admin(actor):
        raise Forbidden("Only its author or a company admin may delete a comment.", code="not_comment_author")
    activity_add(tenant=tenant, task=comment.task, actor=actor, action=TaskAction.COMMENT_DELETED,
                 field="comment", old=comment.pk)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.COMMENT_DELETED, obj=comment,
                 changes={"task": [comment.task_id, None], "body": [comment.body, None]})
    comment.delete()
