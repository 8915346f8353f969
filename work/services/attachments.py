"""Files attached to tasks: checked by content and size, counted against the plan's storage."""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

from tenancy import files, limits
from tenancy.audit import AuditVerb, audit_record
from tenancy.exceptions import Forbidden
from tenancy.models import Tenant, User
from work.models import Attachment, Task, TaskAction
from work.permissions import can_manage_team, can_work_on_team
from work.services.activity import activity_add, task_lock
from work.services.teams import _same_tenant, limit_check_locked

logger = logging.getLogger(__name__)

ALLOWED_TYPES = files.DOCUMENTS


def delete_stored_files(names: list[str]) -> None:
    """Remove stored files once the transaction that dropped their rows has committed."""

    def remove():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # a missing file must not undo a committed delete
                logger.warning("could not delete stored file %s", name)

    if names:
        transaction.on_commit(remove)


def attachment_add(*, tenant: Tenant, actor: User, task: Task, upload) -> Attachment:
    """Store an uploaded file under a random name and attach it to the task."""
    _same_tenant(tenant, task)
    if not can_work_on_team(actor, task.team):
        raise Forbidden("Only members of the team may attach files.", code="not_team_member")
    content_type = files.validate_upload(upload, allowed_types=ALLOWED_TYPES)
    original_name = files.safe_filename(upload.name or "file", content_type)
    size = upload.size
    # Refuse early, before writing anything; the check that counts is repeated below under the lock.
    limits.check(tenant=tenant, resource="storage_mb", adding=size / (1024 * 1024))
    name = default_storage.save(
        files.random_name(f"tenants/{tenant.pk}/attachments", original_name, content_type), upload
    )
    # The file is written before its row; if this transaction fails the file is removed here. (A caller's
    # outer transaction that rolls back later cannot be seen from here: the API calls this outside one.)
    try:
        with transaction.atomic():
            limit_check_locked(tenant=tenant, resource="storage_mb", adding=size / (1024 * 1024))
            task_lock(tenant=tenant, task=task)
            attachment = Attachment.objects.create(
                tenant=tenant, task=task, file=name, original_name=original_name, size=size,
                content_type=content_type, uploader=actor,
            )
            activity_add(tenant=tenant, task=task, actor=actor, action=TaskAction.ATTACHMENT_ADDED,
                         field="attachment", new=original_name)
            audit_record(tenant=tenant, actor=actor, verb=AuditVerb.ATTACHMENT_ADDED, obj=attachment,
                         changes={"task": [None, task.pk], "name": [None, original_name], "size": [None, size]})
    except BaseException:
        default_storage.delete(name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, tenant: Tenant, actor: User, attachment: Attachment) -> None:
    """Delete an attachment: its uploader, a manager of the team or a company admin."""
    _same_tenant(tenant, attachment)
    attachment = Attachment.objects.select_for_update().select_related("task__team").get(pk=attachment.pk,
                                                                                         tenant=tenant)
    if attachment.uploader_id != actor.pk and not can_manage_team(actor, attachment.task.team):
        raise Forbidden("Only its uploader or a team manager may delete an attachment.",
                        code="not_attachment_uploader")
    activity_add(tenant=tenant, task=attachment.task, actor=actor, action=TaskAction.ATTACHMENT_DELETED,
                 field="attachment", old=attachment.original_name)
    name = attachment.file.name
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.ATTACHMENT_DELETED, obj=attachment,
                 changes={"task": [attachment.task_id, None], "name": [attachment.original_name, None]})
    attachment.delete()
    delete_stored_files([name])
