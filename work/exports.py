"""The work app's sections of a company data export: teams, tasks, comments and attachments (with files)."""

from django.core.files.storage import default_storage

from tenancy.exports import ExportArchive
from work.models import Attachment, Comment, Task, Team, TeamMember


def export_work(*, tenant, archive: ExportArchive) -> None:
    columns = ["id", "name", "description", "is_archived", "created_at"]
    archive.add_table("teams", Team.objects.filter(tenant=tenant).order_by("id").values(*columns), columns)
    columns = ["team_id", "user_id", "user__email", "role", "joined_at"]
    archive.add_table("team_members", TeamMember.objects.filter(tenant=tenant).order_by("id").values(*columns),
                      columns)
    columns = ["id", "team_id", "title", "description", "status", "priority", "assignee__email", "creator__email",
               "due_on", "position", "created_at", "completed_at"]
    archive.add_table("tasks", Task.objects.filter(tenant=tenant).order_by("id").values(*columns), columns)
    columns = ["id", "task_id", "author__email", "body", "created_at", "edited_at"]
    archive.add_table("comments", Comment.objects.filter(tenant=tenant).order_by("id").values(*columns), columns)
    rows = []
    for attachment in Attachment.objects.filter(tenant=tenant).select_related("uploader").order_by("id"):
        path = f"attachments/{attachment.pk}-{attachment.original_name.replace('/', '_')}"
        try:
            with default_storage.open(attachment.file.name, "rb") as stored:
                archive.add_file(path, stored.read())
        except FileNotFoundError:
            path = ""  # the row outlived its file; the table says so
        rows.append({"id": attachment.pk, "task_id": attachment.task_id, "original_name": attachment.original_name,
                     "size": attachment.size, "content_type": attachment.content_type,
                     "uploader": attachment.uploader.email if attachment.uploader else "",
                     "created_at": attachment.created_at, "file": path})
    archive.add_table("attachments", rows, ["id", "task_id", "original_name", "size", "content_type", "uploader",
                                            "created_at", "file"])
