"""Team and task endpoints: each handler reads input, calls a selector or a service, answers."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from tenancy.api.base import TenantScopedViewSet
from tenancy.api.schema import error_responses, file_responses
from tenancy.exceptions import ServiceError
from tenancy.files import SERVED_AS_IS, attachment_response
from tenancy.permissions import ACTIVE_OR_SUSPENDED, IsManager
from work import selectors
from work.api import serializers as s
from work.api.filters import TaskFilter, TeamInvitationFilter
from work.models import Task, Team, TeamInvitation
from work.permissions import IsTenantWorker
from work.services import attachments as attachment_services
from work.services import comments as comment_services
from work.services import tasks as task_services
from work.services import teams as team_services

COMMENT_ID = OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _plain(values: dict) -> dict:
    """Make validated input storable as JSON in the activity log."""
    return {key: getattr(value, "pk", value) if value is None or hasattr(value, "pk") else str(value)
            for key, value in values.items()}


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Teams: company admins see all of them, everyone else the teams they belong to."""

    queryset = Team.objects.all()
    serializer_class = s.TeamSerializer
    permission_classes = [IsTenantWorker]
    tenant_read_states = ACTIVE_OR_SUSPENDED
    filterset_fields = ["is_archived"]
    ordering_fields = ["name", "created_at"]

    def get_tenant_queryset(self, tenant):
        return selectors.team_list(tenant=tenant, user=self.request.user)

    def _team_out(self, team: Team) -> dict:
        team = selectors.team_get(tenant=self.tenant, user=self.request.user, team_id=team.pk)
        return s.TeamSerializer(team, context=self.get_serializer_context()).data

    @extend_schema(request=s.TeamCreateSerializer, responses={201: s.TeamSerializer})
    def create(self, request):
        data = s.TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = team_services.team_create(tenant=self.tenant, actor=request.user, **data.validated_data)
        return Response(self._team_out(team), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TeamUpdateSerializer, responses=s.TeamSerializer)
    def partial_update(self, request, pk=None):
        team = self.get_object()
        data = s.TeamUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        team = team_services.team_update(tenant=self.tenant, actor=request.user, team=team, **data.validated_data)
        return Response(self._team_out(team))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        team_services.team_archive(tenant=self.tenant, actor=request.user, team=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=s.TeamMemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        rows = selectors.team_member_list(tenant=self.tenant, team=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.TeamMemberSerializer(page, many=True).data)

    @extend_schema(request=s.TeamMemberAddSerializer, responses={201: s.TeamMemberSerializer})
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request, pk=None):
        team = self.get_object()
        data = s.TeamMemberAddSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        membership = team_services.team_member_add(tenant=self.tenant, actor=request.user, team=team,
                                                   **data.validated_data)
        return Response(s.TeamMemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TeamMemberRemoveSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="remove-member")
    def remove_member(self, request, pk=None):
        team = self.get_object()
        data = s.TeamMemberRemoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        team_services.team_member_remove(tenant=self.tenant, actor=request.user, team=team, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamInvitationViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Invitations to join a team: its managers (and company admins) send them, the invitee accepts."""

    queryset = TeamInvitation.objects.all()
    serializer_class = s.TeamInvitationSerializer
    filterset_class = TeamInvitationFilter

    permission_classes = [IsManager]
    action_permission_classes = {"accept": [IsTenantWorker]}
    tenant_read_states = ACTIVE_OR_SUSPENDED

    def get_tenant_queryset(self, tenant):
        return selectors.team_invitation_list(tenant=tenant, user=self.request.user)

    @extend_schema(request=s.TeamInvitationCreateSerializer, responses={201: s.TeamInvitationSerializer})
    def create(self, request):
        data = s.TeamInvitationCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        invitation, _token = team_services.team_invitation_create(tenant=self.tenant, actor=request.user,
                                                                  **data.validated_data)
        return Response(s.TeamInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        team_services.team_invitation_revoke(tenant=self.tenant, actor=request.user,
                                                          invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.TeamInvitationAcceptSerializer, responses={201: s.TeamMemberSerializer, **error_responses({
        400: ["invitation_used", "invitation_revoked", "invitation_expired", "not_invitee"],
        404: ["invitation_invalid"], 409: ["team_archived", "already_member"]})})
    @action(detail=False, methods=["post"])
    def accept(self, request):
        data = s.TeamInvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = team_services.team_invitation_accept(tenant=self.tenant, user=request.user,
                                                          token=data.validated_data["token"])
        return Response(s.TeamMemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Tasks of the teams the user can see, the Kanban board, and each task's comments, files and history."""

    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    permission_classes = [IsTenantWorker]
    tenant_read_states = ACTIVE_OR_SUSPENDED
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    filterset_class = TaskFilter
    ordering_fields = ["created_at", "updated_at", "due_on", "priority_rank", "position", "title"]

    def get_tenant_queryset(self, tenant):
        return selectors.task_list(tenant=tenant, user=self.request.user)

    def list(self, request):
        # Rows are read as dicts straight into the output: no Task and two User instances per row. (No docstring:
        # it would replace the operation's description in the schema.)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*s.TASK_ROW_COLUMNS))
        user_ids = [row["assignee_id"] for row in page] + [row["creator_id"] for row in page]
        users = {row["id"]: s.user_brief_of_row(row) for row in selectors.user_briefs(user_ids=user_ids)}
        return self.get_paginated_response([s.task_row(row, users) for row in page])

    def _task_out(self, task: Task) -> dict:
        return s.TaskSerializer(selectors.task_get(tenant=self.tenant, user=self.request.user, task_id=task.pk)).data

    @extend_schema(request=s.TaskCreateSerializer, responses={201: s.TaskSerializer})
    def create(self, request):
        data = s.TaskCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        task = task_services.task_create(tenant=self.tenant, actor=request.user, **data.validated_data)
        return Response(self._task_out(task), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskUpdateSerializer, responses=s.TaskSerializer)
    def partial_update(self, request, pk=None):
        task = self.get_object()
        data = s.TaskUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        task = task_services.task_update(tenant=self.tenant, actor=request.user, task=task, **data.validated_data)
        return Response(self._task_out(task))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        task = self.get_object()
        task_services.task_delete(tenant=self.tenant, actor=request.user, task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[OpenApiParameter("team", OpenApiTypes.INT, required=True)],
                   responses={200: s.BoardSerializer, **error_responses({400: ["team_required"], 404: ["not_found"]})})
    @action(detail=False, methods=["get"])
    def board(self, request):
        team_id = selectors.as_id(request.query_params.get("team", ""))
        if team_id is None:
            raise ServiceError("Choose a team: ?team=<id>.", code="team_required",
                               fields={"team": ["A team id is required."]})
        team = selectors.team_get(tenant=self.tenant, user=request.user, team_id=team_id)
        columns = selectors.task_board(tenant=self.tenant, user=request.user, team=team)
        return Response(s.BoardSerializer({"team": team, "columns": columns},
                                          context=self.get_serializer_context()).data)

    @extend_schema(request=s.TaskMoveSerializer, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        task = self.get_object()
        data = s.TaskMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_services.task_move(tenant=self.tenant, actor=request.user, task=task, **data.validated_data)
        return Response(self._task_out(task))

    @extend_schema(methods=["GET"], responses=s.CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.CommentWriteSerializer, responses={201: s.CommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        task = self.get_object()
        if request.method == "POST":
            data = s.CommentWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = comment_services.comment_create(tenant=self.tenant, actor=request.user, task=task,
                                                      **data.validated_data)
            return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.comment_list(tenant=self.tenant, task=task))
        return self.get_paginated_response(s.CommentSerializer(page, many=True).data)

    @extend_schema(methods=["PATCH"], request=s.CommentWriteSerializer, responses=s.CommentSerializer,
                   parameters=[COMMENT_ID])
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, parameters=[COMMENT_ID])
    @action(detail=True, methods=["patch", "delete"], url_path=r"comments/(?P<comment_id>[^/.]+)")
    def comment_detail(self, request, pk=None, comment_id=None):
        task = self.get_object()
        comment = selectors.comment_get(tenant=self.tenant, task=task, comment_id=comment_id)
        if request.method == "DELETE":
            comment_services.comment_delete(tenant=self.tenant, actor=request.user, comment=comment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = s.CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comment_services.comment_update(tenant=self.tenant, actor=request.user, comment=comment,
                                                  **data.validated_data)
        return Response(s.CommentSerializer(comment).data)

    @extend_schema(methods=["GET"], responses=s.AttachmentSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": s.AttachmentUploadSerializer},
                   responses={201: s.AttachmentSerializer})
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        task = self.get_object()
        if request.method == "POST":
            data = s.AttachmentUploadSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            attachment = attachment_services.attachment_add(tenant=self.tenant, actor=request.user, task=task,
                                                            upload=data.validated_data["file"])
            return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.attachment_list(tenant=self.tenant, task=task))
        return self.get_paginated_response(s.AttachmentSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=s.AttachmentSerializer, parameters=[ATTACHMENT_ID])
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, parameters=[ATTACHMENT_ID])
    @action(detail=True, methods=["get", "delete"], url_path=r"attachments/(?P<attachment_id>[^/.]+)")
    def attachment_detail(self, request, pk=None, attachment_id=None):
        task = self.get_object()
        attachment = selectors.attachment_get(tenant=self.tenant, task=task, attachment_id=attachment_id)
        if request.method == "DELETE":
            attachment_services.attachment_delete(tenant=self.tenant, actor=request.user, attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.AttachmentSerializer(attachment).data)

    @extend_schema(responses=file_responses([*sorted(SERVED_AS_IS), "application/octet-stream"],
                                            "The file, as an attachment (other types as opaque bytes)."),
                   parameters=[ATTACHMENT_ID])
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[^/.]+)/download")
    def attachment_download(self, request, pk=None, attachment_id=None):
        task = self.get_object()
        attachment = selectors.attachment_get(tenant=self.tenant, task=task, attachment_id=attachment_id)
        return attachment_response(attachment.file, filename=attachment.original_name,
                                   content_type=attachment.content_type)

    @extend_schema(responses=s.TaskActivitySerializer(many=True))
    @action(detail=True, methods=["get"])
    def activities(self, request, pk=None):
        task = self.get_object()
        page = self.paginate_queryset(selectors.task_activity_list(tenant=self.tenant, task=task))
        return self.get_paginated_response(s.TaskActivitySerializer(page, many=True).data)
