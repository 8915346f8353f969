"""Input serializers validate and list writable fields explicitly; output serializers shape responses."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenancy.api.base import StrictFieldsMixin, TenantPrimaryKeyRelatedField
from tenancy.models import User
from work.models import (
    Attachment,
    Comment,
    Task,
    TaskActivity,
    TaskPriority,
    TaskStatus,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)
from work.permissions import can_see_team


class UserBriefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "full_name"]
        read_only_fields = fields


def user_brief(user: User | None) -> dict | None:
    """What UserBriefSerializer returns, without a serializer instance per row."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "full_name": user.get_full_name()}


@extend_schema_field(UserBriefSerializer)
class UserBriefField(serializers.Field):
    """A read-only nested user, shaped like UserBriefSerializer at the cost of one dict."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return user_brief(value)


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "description", "is_archived", "archived_at", "created_at", "updated_at",
                  "member_count", "my_role"]
        read_only_fields = fields

    def get_member_count(self, team) -> int:
        return len(team.memberships.all())

    def get_my_role(self, team) -> str | None:
        user = self.context.get("request").user if self.context.get("request") else None
        if user is None:
            return None
        return next((m.role for m in team.memberships.all() if m.user_id == user.pk), None)


# Text columns have no database limit; these bound what one request may store.
TEAM_DESCRIPTION_MAX = 5_000
TASK_DESCRIPTION_MAX = 100_000


class TeamCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=TEAM_DESCRIPTION_MAX, required=False, allow_blank=True,
                                        default="")


class TeamUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(max_length=TEAM_DESCRIPTION_MAX, required=False, allow_blank=True)


class TeamMemberSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "user", "role", "joined_at"]
        read_only_fields = fields


class TeamMemberAddSerializer(StrictFieldsMixin, serializers.Serializer):
    user = TenantPrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)


class TeamMemberRemoveSerializer(StrictFieldsMixin, serializers.Serializer):
    user = TenantPrimaryKeyRelatedField(queryset=User.objects.all())


class VisibleTeamField(TenantPrimaryKeyRelatedField):
    """A team of the request's tenant that the requesting user may see; any other id is a 400."""

    def to_internal_value(self, data):
        team = super().to_internal_value(data)
        request = self.context.get("request")
        if request is None or not can_see_team(request.user, team):
            self.fail("does_not_exist", pk_value=data)
        return team


class TeamInvitationSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    invited_by = UserBriefSerializer(read_only=True)
    is_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = TeamInvitation
        fields = ["id", "team", "team_name", "email", "role", "expires_at", "invited_by", "accepted_at",
                  "revoked_at", "is_pending", "created_at"]
        read_only_fields = fields


class TeamInvitationCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    team = VisibleTeamField(queryset=Team.objects.all())
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)


class TeamInvitationAcceptSerializer(StrictFieldsMixin, serializers.Serializer):
    token = serializers.CharField(max_length=200)


# One formatter each, shared by every row (a serializer class would take them for declared fields).
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


class MentionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    assignee = UserBriefField(allow_null=True)
    creator = UserBriefField(allow_null=True)
    comment_count = serializers.IntegerField(read_only=True, default=0)
    attachment_count = serializers.IntegerField(read_only=True, default=0)
    mentions = MentionSerializer(many=True, read_only=True,
                                 help_text="Team members the description mentions (@name or @e-mail).")

    class Meta:
        model = Task
        fields = ["id", "team", "team_name", "title", "description", "status", "priority", "assignee", "creator",
                  "due_on", "position", "completed_at", "created_at", "updated_at", "comment_count",
                  "attachment_count", "mentions"]
        read_only_fields = fields

    def to_representation(self, task: Task) -> dict:
        """Build the row directly: the declared fields above stay the schema, this is their output, per row cheap.

        work/tests/test_serializers.py proves it equal to DRF's field-by-field output.
        """
        as_datetime = _DATETIME.to_representation
        return {
            "id": task.pk, "team": task.team_id,
            "team_name": task.team_name if hasattr(task, "team_name") else task.team.name, "title": task.title,
            "description": task.description, "status": task.status, "priority": task.priority,
            "assignee": user_brief(task.assignee), "creator": user_brief(task.creator),
            "due_on": _DATE.to_representation(task.due_on), "position": task.position,
            "completed_at": as_datetime(task.completed_at), "created_at": as_datetime(task.created_at),
            "updated_at": as_datetime(task.updated_at), "comment_count": getattr(task, "comment_count", 0),
            "attachment_count": getattr(task, "attachment_count", 0), "mentions": task.mentions,
        }


# The task list reads its rows as dicts (`.values(*TASK_ROW_COLUMNS)`), never as model instances: building a
# Task and its two users per row was most of the difference between the API and a plain view (make bench).
# The users come from one query for the page (selectors.user_briefs): joining them into the row query would
# also put the joins into the list's COUNT, which then read every counted row instead of an index.
TASK_ROW_COLUMNS = (
    "id", "team_id", "team_name", "title", "description", "status", "priority", "assignee_id", "creator_id",
    "due_on", "position", "completed_at", "created_at", "updated_at", "comment_count", "attachment_count", "mentions",
)


def user_brief_of_row(row: dict) -> dict:
    """What UserBriefSerializer returns, from a row of `.values("id", "email", "first_name", "last_name")`."""
    return {"id": row["id"], "email": row["email"], "first_name": row["first_name"], "last_name": row["last_name"],
            "full_name": f"{row['first_name']} {row['last_name']}".strip()}


def task_row(row: dict, users: dict[int, dict]) -> dict:
    """TaskSerializer's output for a row of `.values(*TASK_ROW_COLUMNS)` (work/tests/test_scale.py proves it equal).

    `users` maps the page's user ids to their brief (user_brief_of_row).
    """
    as_datetime = _DATETIME.to_representation
    return {
        "id": row["id"], "team": row["team_id"], "team_name": row["team_name"], "title": row["title"],
        "description": row["description"], "status": row["status"], "priority": row["priority"],
        "assignee": users.get(row["assignee_id"]), "creator": users.get(row["creator_id"]),
        "due_on": _DATE.to_representation(row["due_on"]), "position": row["position"],
        "completed_at": as_datetime(row["completed_at"]), "created_at": as_datetime(row["created_at"]),
        "updated_at": as_datetime(row["updated_at"]), "comment_count": row["comment_count"] or 0,
        "attachment_count": row["attachment_count"] or 0, "mentions": row["mentions"],
    }


class TaskCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    team = VisibleTeamField(queryset=Team.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TASK_DESCRIPTION_MAX, required=False, allow_blank=True,
                                        default="")
    status = serializers.ChoiceField(choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, default=TaskPriority.MEDIUM)
    assignee = TenantPrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class TaskUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=TASK_DESCRIPTION_MAX, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    assignee = TenantPrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class TaskMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    position = serializers.IntegerField(min_value=0)


class BoardColumnSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.SerializerMethodField()
    tasks = TaskSerializer(many=True)

    def get_label(self, column) -> str:
        return TaskStatus(column["status"]).label


class BoardSerializer(serializers.Serializer):
    team = TeamSerializer()
    columns = BoardColumnSerializer(many=True)


class CommentSerializer(serializers.ModelSerializer):
    author = UserBriefSerializer(read_only=True)
    mentions = MentionSerializer(many=True, read_only=True,
                                 help_text="Team members the body mentions (@name or @e-mail).")

    class Meta:
        model = Comment
        fields = ["id", "task", "author", "body", "mentions", "created_at", "edited_at"]
        read_only_fields = fields


class CommentWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(max_length=10000)


class AttachmentSerializer(serializers.ModelSerializer):
    uploader = UserBriefSerializer(read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "task", "original_name", "size", "content_type", "uploader", "created_at"]
        read_only_fields = fields


class AttachmentUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class TaskActivitySerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True)

    class Meta:
        model = TaskActivity
        fields = ["id", "task", "actor", "action", "field", "old_value", "new_value", "created_at"]
        read_only_fields = fields
