"""Teams, their members and invitations; tasks on a Kanban board with comments, attachments and history."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import Tenant, TimeStampedModel


class TeamRole(models.TextChoices):
    MANAGER = "MANAGER", "Manager"
    MEMBER = "MEMBER", "Member"


class TaskStatus(models.TextChoices):
    TODO = "TODO", "To do"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    IN_REVIEW = "IN_REVIEW", "In review"
    DONE = "DONE", "Done"


# The board's columns, left to right.
BOARD_COLUMNS = [value for value, _label in TaskStatus.choices]


class TaskPriority(models.TextChoices):
    LOW = "LOW", "Low"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"
    URGENT = "URGENT", "Urgent"


class TaskAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Field changed"
    MOVED = "moved", "Moved"
    ASSIGNED = "assigned", "Assigned"
    COMMENTED = "commented", "Commented"
    COMMENT_EDITED = "comment_edited", "Comment edited"
    COMMENT_DELETED = "comment_deleted", "Comment deleted"
    ATTACHMENT_ADDED = "attachment_added", "Attachment added"
    ATTACHMENT_DELETED = "attachment_deleted", "Attachment deleted"


class Team(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="teams", verbose_name="company")
    name = models.CharField(max_length=150, verbose_name="name")
    description = models.TextField(blank=True, verbose_name="description")
    is_archived = models.BooleanField(default=False, verbose_name="archived")
    archived_at = models.DateTimeField(null=True, blank=True, verbose_name="archived since")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="created by"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="team_tenant_name_uniq")]
        indexes = [models.Index(fields=["tenant", "is_archived", "name"], name="team_tenant_archived_idx")]
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", verbose_name="company")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships",
                             verbose_name="user")
    role = models.CharField(max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER, verbose_name="team role")
    joined_at = models.DateTimeField(default=timezone.now, verbose_name="joined")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "team", "user"], name="teammember_tenant_team_user_uniq")
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="teammember_tenant_user_idx")]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class TeamInvitation(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    # SHA-256 of the single-use token; the token itself only travels in the notification.
    token_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="teaminvite_tenant_token_uniq")
        ]
        indexes = [models.Index(fields=["tenant", "team", "email"], name="teaminvite_tenant_team_idx")]

    def __str__(self):
        return f"{self.email} to {self.team}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class Task(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="tasks", verbose_name="company")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tasks", verbose_name="team")
    title = models.CharField(max_length=200, verbose_name="title")
    description = models.TextField(blank=True, verbose_name="description")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO, verbose_name="status")
    priority = models.CharField(max_length=8, choices=TaskPriority.choices, default=TaskPriority.MEDIUM,
                                verbose_name="priority")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tasks",
        verbose_name="assignee"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_tasks",
        verbose_name="created by"
    )
    due_on = models.DateField(null=True, blank=True, verbose_name="due")
    # 0-based place in its column; services keep each column contiguous.
    position = models.PositiveIntegerField(default=0, verbose_name="board position")
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name="completed")
    # Members the description mentions ([{"id", "email", "name"}], resolved by work.services.mentions).
    mentions = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "team", "status", "position"], name="task_tenant_board_idx"),
            models.Index(fields=["tenant", "assignee", "status"], name="task_tenant_assignee_idx"),
            models.Index(fields=["tenant", "due_on"], name="task_tenant_due_idx"),
            # The list's default order (-created_at, -id) and its cursor, for a tenant, a status, a team.
            models.Index(fields=["tenant", "created_at"], name="task_tenant_created_idx"),
            models.Index(fields=["tenant", "status", "created_at"], name="task_tenant_status_created_idx"),
            models.Index(fields=["tenant", "team", "created_at"], name="task_tenant_team_created_idx"),
            models.Index(fields=["tenant", "assignee", "created_at"], name="task_tenant_assignee_new_idx"),
            models.Index(fields=["tenant", "updated_at"], name="task_tenant_updated_idx"),
            # The staff change list spans every tenant in the same order.
            models.Index(fields=["created_at"], name="task_created_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Comment(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="task_comments"
    )
    body = models.TextField()
    # Members the body mentions ([{"id", "email", "name"}]).
    mentions = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "task", "created_at"], name="comment_tenant_task_idx")]
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment {self.pk} on {self.task_id}"


class Attachment(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    # Stored under a random name; never served from a public URL.
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="task_attachments"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["tenant", "task", "created_at"], name="attachment_tenant_task_idx")]
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class TaskActivity(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32, choices=TaskAction.choices)
    field = models.CharField(max_length=50, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["tenant", "task", "created_at"], name="taskactivity_tenant_task_idx")]
        ordering = ["created_at", "id"]
        verbose_name_plural = "task activities"

    def __str__(self):
        return f"{self.action} {self.field}".strip()
