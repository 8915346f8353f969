"""Input and output shapes of the tenancy endpoints. Writable fields are listed explicitly."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenancy.api.base import StrictFieldsMixin, TenantPrimaryKeyRelatedField
from tenancy.models import (
    TENANT_ROLE_CHOICES,
    ActivityLog,
    Domain,
    Notification,
    NotificationType,
    Tenant,
    TenantExport,
    TenantInvitation,
    TenantSettings,
    User,
)
from tenancy.services.domains import ERRORS, is_custom_host, verification_record


class ProfileSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    tenant_name = serializers.CharField(source="tenant.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "tenant", "tenant_name",
                  "is_staff", "date_joined", "last_login"]
        read_only_fields = ["id", "email", "role", "tenant", "tenant_name", "is_staff", "date_joined", "last_login"]


class TenantDomainSerializer(serializers.ModelSerializer):
    """A company's host as listed on the company (the domains API has the full DomainSerializer)."""

    class Meta:
        model = Domain
        fields = ["id", "host", "is_primary"]


class TenantSerializer(serializers.ModelSerializer):
    domains = TenantDomainSerializer(many=True, read_only=True)

    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "status", "contact_name", "contact_email", "contact_phone",
                  "domains", "approved_at", "rejection_reason", "suspended_at", "suspension_reason",
                  "created_at", "updated_at"]
        read_only_fields = fields


class TenantUpdateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["name", "contact_name", "contact_email", "contact_phone"]


class TenantCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    subdomain = serializers.CharField(max_length=100)
    contact_email = serializers.EmailField()
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    admin_email = serializers.EmailField(
        required=False, allow_blank=True, default="",
        help_text="Invite the company's first admin (TENANT_ADMIN) at once; the invitation is e-mailed.")


class AdminInviteSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.EmailField()


class ReasonSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)
    is_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = TenantInvitation
        fields = ["id", "email", "role", "expires_at", "invited_by", "accepted_at", "revoked_at",
                  "is_pending", "created_at"]
        read_only_fields = fields


class InvitationCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=TENANT_ROLE_CHOICES)


class InvitationAcceptSerializer(StrictFieldsMixin, serializers.Serializer):
    token = serializers.CharField(max_length=200)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class TenantSettingsSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    brand_color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)

    class Meta:
        model = TenantSettings
        fields = ["timezone", "locale", "brand_color", "logo_url", "legal_name", "billing_email",
                  "billing_address", "tax_id", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_timezone(self, value):
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Unknown time zone.", code="invalid_timezone")
        return value


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login"]
        read_only_fields = fields


class MemberUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=TENANT_ROLE_CHOICES, required=False)
    is_active = serializers.BooleanField(required=False)


class DomainVerificationSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Always TXT.")
    name = serializers.CharField(help_text="The DNS name to publish the record at.")
    value = serializers.CharField(help_text="The exact value of the TXT record.")


class DomainSerializer(serializers.ModelSerializer):
    is_custom = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()

    class Meta:
        model = Domain
        fields = ["id", "host", "is_primary", "is_custom", "status", "verification", "verified_at",
                  "last_checked_at", "last_error_code", "last_error", "created_at"]
        read_only_fields = fields

    def get_is_custom(self, obj) -> bool:
        return is_custom_host(obj.host)

    @extend_schema_field(DomainVerificationSerializer(allow_null=True))
    def get_verification(self, obj):
        return verification_record(obj)

    def get_last_error(self, obj) -> str:
        return ERRORS.get(obj.last_error_code, "")


class DomainCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    host = serializers.CharField(max_length=253, help_text="The domain, e.g. app.example.com.")


class ExportSerializer(serializers.ModelSerializer):
    requested_by = serializers.EmailField(source="requested_by.email", read_only=True, default=None)
    is_expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = TenantExport
        fields = ["id", "status", "requested_by", "size", "created_at", "finished_at", "expires_at", "is_expired",
                  "error"]
        read_only_fields = fields


class MemberRemoveSerializer(StrictFieldsMixin, serializers.Serializer):
    reassign_to = TenantPrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None,
        help_text="An active member who takes over the removed member's open tasks in the teams they share; "
                  "open tasks in other teams are unassigned. Also accepted as the query parameter ?reassign_to=.",
    )


class MemberRemovalSerializer(serializers.Serializer):
    member = MemberSerializer()
    reassigned = serializers.IntegerField(help_text="Open tasks handed to `reassign_to`.")
    unassigned = serializers.IntegerField(help_text="Open tasks left without an assignee.")
    teams_left = serializers.IntegerField(help_text="Team memberships removed.")


class ActivityActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True,
                                  help_text="The user's id; null for the system (billing cycle, background jobs) "
                                            "or a user deleted since.")
    display = serializers.CharField(help_text="The user's e-mail address when it acted, or \"System\".")


class ActivityObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='What kind of object changed ("billing.payment"); empty for none.')
    id = serializers.CharField(help_text="Its id (empty for none).")
    repr = serializers.CharField(help_text="How it read when it changed.")


class ActivityLogSerializer(serializers.ModelSerializer):
    verb_label = serializers.CharField(source="get_verb_display", read_only=True,
                                       help_text='The verb in words ("Payment verified").')
    actor = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=2, max_length=2),
        read_only=True, help_text="Each changed field: [old value, new value] (foreign keys by id).")

    class Meta:
        model = ActivityLog
        fields = ["id", "verb", "verb_label", "actor", "object", "changes", "channel", "ip_address", "user_agent",
                  "created_at"]
        read_only_fields = fields

    @extend_schema_field(ActivityActorSerializer)
    def get_actor(self, obj: ActivityLog) -> dict:
        system = obj.actor_id is None and obj.actor_label in ("", "system")
        return {"id": obj.actor_id, "display": "System" if system else obj.actor_label or str(obj.actor)}

    @extend_schema_field(ActivityObjectSerializer)
    def get_object(self, obj: ActivityLog) -> dict:
        return {"type": obj.object_type, "id": obj.object_id, "repr": obj.object_repr}


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "type", "title", "body", "data", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationPreferenceSerializer(StrictFieldsMixin, serializers.Serializer):
    type = serializers.ChoiceField(choices=NotificationType.choices)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)


class NotificationPreferencesUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    preferences = NotificationPreferenceSerializer(many=True)
