"""Tenant, invitation, settings, member, activity and notification endpoints."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from tenancy import selectors
from tenancy.api import serializers as s
from tenancy.api.base import PlatformStaffViewSet, SelfServiceMixin, TenantScopedAPIView, TenantScopedViewSet
from tenancy.api.filters import IdFilter
from tenancy.api.pagination import NotificationPagination
from tenancy.api.schema import error_responses
from tenancy.files import attachment_response
from tenancy.models import (
    ActivityLog,
    Domain,
    Notification,
    Tenant,
    TenantExport,
    TenantInvitation,
    TenantSettings,
    User,
)
from tenancy.permissions import (
    ACTIVE_OR_SUSPENDED,
    EVERY_STATE,
    IsTenantAdmin,
    IsTenantUser,
    ReadOnlyForTenantUsers,
)
from tenancy.services import domains as domain_services
from tenancy.services import exports as export_services
from tenancy.services import members as member_services
from tenancy.services import notifications as notification_services
from tenancy.services import tenants as tenant_services


class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformStaffViewSet):
    """Companies: platform staff see and manage all of them; a company's users read their own, and its
    admins change its profile."""

    tenant_read_states = EVERY_STATE  # a company awaiting approval reads its own status
    tenant_lookup = "pk"
    own_company_actions = {"list": [IsAuthenticated], "retrieve": [IsAuthenticated],
                           "partial_update": [IsTenantAdmin]}

    serializer_class = s.TenantSerializer
    queryset = Tenant.objects.none()
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "name"]

    def get_platform_queryset(self):
        return selectors.tenant_list_for_all_tenants()

    @extend_schema(request=s.TenantCreateSerializer, responses={201: s.TenantSerializer})
    def create(self, request):
        data = s.TenantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = tenant_services.tenant_create(actor=request.user, **data.validated_data)
        return Response(s.TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TenantUpdateSerializer, responses=s.TenantSerializer)
    def partial_update(self, request, pk=None):
        tenant = self.get_object()
        data = s.TenantUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tenant = tenant_services.tenant_update(tenant=tenant, actor=request.user, **data.validated_data)
        return Response(s.TenantSerializer(self.get_queryset().get(pk=tenant.pk)).data)

    def _transition(self, request, service, verb, needs_reason=False):
        tenant = self.get_object()
        kwargs = {}
        if needs_reason:
            data = s.ReasonSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs["reason"] = data.validated_data["reason"]
        tenant = service(tenant=tenant, actor=request.user, **kwargs)
        return Response(s.TenantSerializer(self.get_queryset().get(pk=tenant.pk)).data)

    @extend_schema(request=None, responses=s.TenantSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, tenant_services.tenant_approve, "tenant.approved")

    @extend_schema(request=s.ReasonSerializer, responses=s.TenantSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, tenant_services.tenant_reject, "tenant.rejected", needs_reason=True)

    @extend_schema(request=s.ReasonSerializer, responses=s.TenantSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._transition(request, tenant_services.tenant_suspend, "tenant.suspended", needs_reason=True)

    @extend_schema(request=None, responses=s.TenantSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self._transition(request, tenant_services.tenant_reactivate, "tenant.reactivated")

    @extend_schema(request=s.AdminInviteSerializer, responses={201: s.InvitationSerializer},
                   description="Invite a company admin (platform staff): the first admin of a company created "
                               "by staff, or a new one later. The open invitation holds a user seat.")
    @action(detail=True, methods=["post"], url_path="invite-admin")
    def invite_admin(self, request, pk=None):
        tenant = self.get_object()
        data = s.AdminInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _token = member_services.tenant_admin_invite(tenant=tenant, actor=request.user,
                                                                 email=data.validated_data["email"])
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Invitations to join the company (company admins)."""

    queryset = TenantInvitation.objects.all()
    serializer_class = s.InvitationSerializer
    permission_classes = [IsTenantAdmin]
    tenant_read_states = ACTIVE_OR_SUSPENDED

    def get_tenant_queryset(self, tenant):
        return selectors.invitation_list(tenant=tenant)

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: s.InvitationSerializer})
    def create(self, request):
        data = s.InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _token = member_services.invitation_create(tenant=self.tenant, actor=request.user,
                                                                **data.validated_data)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        invitation = self.get_object()
        member_services.invitation_revoke(tenant=self.tenant, actor=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(SelfServiceMixin, APIView):
    """Accept an invitation with its e-mailed token and create the account (public)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "invitation_accept"

    @extend_schema(request=s.InvitationAcceptSerializer, responses={201: s.ProfileSerializer, **error_responses({
        400: ["invitation_used", "invitation_revoked", "invitation_expired", "password_too_weak"],
        404: ["invitation_invalid"], 409: ["email_taken"]})})
    def post(self, request):
        data = s.InvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = member_services.invitation_accept(host_tenant=request.tenant, **data.validated_data)
        return Response(s.ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class TenantSettingsView(TenantScopedAPIView):
    """The company's settings: every user reads them, company admins change them."""

    permission_classes = [ReadOnlyForTenantUsers]
    tenant_read_states = ACTIVE_OR_SUSPENDED

    @extend_schema(responses=s.TenantSettingsSerializer)
    def get(self, request):
        row, _ = TenantSettings.objects.get_or_create(tenant=self.tenant)
        return Response(s.TenantSettingsSerializer(row).data)

    @extend_schema(request=s.TenantSettingsSerializer, responses=s.TenantSettingsSerializer)
    def patch(self, request):
        data = s.TenantSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        row = tenant_services.tenant_settings_update(tenant=self.tenant, actor=request.user, **data.validated_data)
        return Response(s.TenantSettingsSerializer(row).data)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The company's users: everyone reads the list, company admins change roles and deactivate."""

    queryset = User.objects.all()
    serializer_class = s.MemberSerializer
    permission_classes = [ReadOnlyForTenantUsers]
    tenant_read_states = ACTIVE_OR_SUSPENDED
    filterset_fields = ["role", "is_active"]
    ordering_fields = ["email", "date_joined"]

    def get_tenant_queryset(self, tenant):
        return selectors.member_list(tenant=tenant)

    @extend_schema(request=s.MemberUpdateSerializer, responses=s.MemberSerializer)
    def partial_update(self, request, pk=None):
        member = self.get_object()
        data = s.MemberUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = member_services.member_update(tenant=self.tenant, actor=request.user, member=member,
                                               **data.validated_data)
        return Response(s.MemberSerializer(member).data)

    @extend_schema(
        request=s.MemberRemoveSerializer, responses=s.MemberRemovalSerializer,
        parameters=[OpenApiParameter("reassign_to", int, description="Same as the body field.")],
        description="Remove the member from the company: deactivate, revoke their tokens, take them off "
                    "their teams, and reassign (or unassign) their open tasks. History stays. "
                    "The last active admin cannot be removed (409 `last_tenant_admin`).",
    )
    def destroy(self, request, pk=None):
        member = self.get_object()
        payload = request.data if request.data else {
            key: request.query_params[key] for key in ("reassign_to",) if key in request.query_params}
        data = s.MemberRemoveSerializer(data=payload, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        summary = member_services.member_remove(tenant=self.tenant, actor=request.user, member=member,
                                                reassign_to=data.validated_data["reassign_to"])
        member.refresh_from_db()
        return Response(s.MemberRemovalSerializer({"member": member, **summary}).data)


class DomainViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The company's domains: its subdomain and the custom domains its admins add and verify by DNS."""

    queryset = Domain.objects.all()
    serializer_class = s.DomainSerializer
    permission_classes = [IsTenantAdmin]
    tenant_read_states = ACTIVE_OR_SUSPENDED

    def get_tenant_queryset(self, tenant):
        return selectors.domain_list(tenant=tenant)

    @extend_schema(request=s.DomainCreateSerializer, responses={201: s.DomainSerializer},
                   description="Add a custom domain. It stays PENDING until the TXT record named in `verification` "
                               "is published and seen by the verification job (or `verify/`).")
    def create(self, request):
        data = s.DomainCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        domain = domain_services.domain_add(tenant=self.tenant, actor=request.user, host=data.validated_data["host"])
        return Response(s.DomainSerializer(domain).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.DomainSerializer,
                   description="Look the TXT record up now; `status` and `last_error_code` tell the outcome.")
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        domain = domain_services.domain_verify(tenant=self.tenant, actor=request.user, domain=self.get_object())
        return Response(s.DomainSerializer(domain).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        domain_services.domain_remove(tenant=self.tenant, actor=request.user, domain=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The company's data exports ("take your data with you"): company admins, also while suspended."""

    queryset = TenantExport.objects.all()
    serializer_class = s.ExportSerializer
    permission_classes = [IsTenantAdmin]
    tenant_read_states = tenant_write_states = ACTIVE_OR_SUSPENDED

    def get_tenant_queryset(self, tenant):
        return selectors.export_list(tenant=tenant)

    @extend_schema(request=None, responses={201: s.ExportSerializer},
                   description="Queue an export: a job builds a ZIP (JSON and CSV of the company, members, teams, "
                               "tasks, comments and invoices, plus attachments and invoice PDFs) and notifies you. "
                               "409 `export_in_progress` while one is being built.")
    def create(self, request):
        export = export_services.export_request(tenant=self.tenant, actor=request.user)
        return Response(s.ExportSerializer(self.get_queryset().get(pk=export.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(description="The ZIP, as an attachment.")},
                   description="Download a ready export (409 `export_not_ready`, 410 `export_expired`).")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        export = export_services.export_download_check(tenant=self.tenant, export=self.get_object())
        return attachment_response(export.file, filename=f"{self.tenant.slug}-export-{export.pk}.zip",
                                   content_type="application/zip", generated=True)


class ActivityLogFilter(django_filters.FilterSet):
    actor = IdFilter(field_name="actor_id", help_text="Only what this user did.")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     help_text="From this moment on (ISO 8601, inclusive).")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      help_text="Before this moment (ISO 8601, exclusive).")

    class Meta:
        model = ActivityLog
        fields = ["verb", "actor", "object_type", "created_after", "created_before"]


class ActivityLogViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Who did what in the company (company admins)."""

    queryset = ActivityLog.objects.all()
    serializer_class = s.ActivityLogSerializer
    permission_classes = [IsTenantAdmin]
    tenant_read_states = ACTIVE_OR_SUSPENDED
    filterset_class = ActivityLogFilter

    def get_tenant_queryset(self, tenant):
        return selectors.activity_list(tenant=tenant)


class NotificationViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """The current user's notifications, with the unread count."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    permission_classes = [IsTenantUser]
    filterset_fields = ["type"]
    pagination_class = NotificationPagination  # documents the unread_count that list() adds to the page
    # a suspended company still reads and dismisses its notifications and sets its preferences
    tenant_read_states = tenant_write_states = ACTIVE_OR_SUSPENDED

    def get_tenant_queryset(self, tenant):
        return selectors.notification_list(tenant=tenant, user=self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = selectors.notification_unread_count(tenant=self.tenant, user=request.user)
        return response

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = notification_services.notification_mark_read(
            tenant=self.tenant, user=request.user, notification=self.get_object())
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        marked = notification_services.notification_mark_all_read(tenant=self.tenant, user=request.user)
        return Response({"marked": marked})

    @extend_schema(methods=["GET"], responses=s.NotificationPreferenceSerializer(many=True))
    @extend_schema(methods=["GET"], responses=s.NotificationPreferenceSerializer(many=True))
    @extend_schema(methods=["PATCH"], request=s.NotificationPreferencesUpdateSerializer,
                   responses=s.NotificationPreferenceSerializer(many=True))
    @action(detail=False, methods=["get", "patch"], pagination_class=None, filter_backends=[])
    def preferences(self, request):
        if request.method == "PATCH":
            data = s.NotificationPreferencesUpdateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            notification_services.notification_preferences_update(
                tenant=self.tenant, user=request.user, changes=data.validated_data["preferences"])
        rows = selectors.notification_preferences(tenant=self.tenant, user=request.user)
        return Response(s.NotificationPreferenceSerializer(rows, many=True).data)
