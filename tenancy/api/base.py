"""The API bases: the approval gate every view passes, and the tenant-scoped base whose queries start
from the request's tenant."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound

from tenancy.models import Tenant
from tenancy.permissions import ACTIVE_ONLY, TenantStateGate
from tenancy.resolution import get_request_tenant


class ApprovalGateMixin:
    """Every API view: after authentication and its role permissions, the approval gate.

    A view declares the company states that may read it (`tenant_read_states`, GET/HEAD/OPTIONS)
    and write through it (`tenant_write_states`); both default to ACTIVE only, so a new endpoint
    is closed to PENDING, REJECTED and SUSPENDED companies until it says otherwise.
    """

    tenant_read_states: frozenset = ACTIVE_ONLY
    tenant_write_states: frozenset = ACTIVE_ONLY

    def check_permissions(self, request):
        super().check_permissions(request)
        gate = TenantStateGate()
        if not gate.has_permission(request, self):
            self.permission_denied(request)


# Hooks of the tenant base that a subclass must not replace (each would be a way around the tenant
# scope, the role permissions or the approval gate).
SEALED_METHODS = ("get_queryset", "get_object", "get_permissions", "check_permissions",
                  "check_object_permissions", "initial")


class TenantScopedViewSet(ApprovalGateMixin, viewsets.GenericViewSet):
    """Base of every tenant-owned resource.

    Subclasses implement `get_tenant_queryset(tenant)`; `get_queryset` always adds the tenant
    filter afterwards. Roles come from `permission_classes`, or per action from
    `action_permission_classes = {action: [...]}`. Overriding the hooks in SEALED_METHODS is refused
    when the class is created.
    """

    tenant_lookup = "tenant"
    action_permission_classes: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        sealed = [name for name in SEALED_METHODS if name in cls.__dict__]
        if sealed:
            raise TypeError(
                f"{cls.__name__} must not override {', '.join(sealed)}; implement get_tenant_queryset(tenant) "
                "and declare action_permission_classes instead."
            )

    def get_permissions(self):
        classes = self.action_permission_classes.get(self.action, self.permission_classes)
        return [permission() for permission in classes]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = get_request_tenant(request)

    def get_tenant_queryset(self, tenant: Tenant):
        return self.queryset.all()

    def get_queryset(self):
        tenant = getattr(self, "tenant", None)
        if tenant is None:
            # No tenant (e.g. platform staff on a platform host): nothing tenant-owned exists here.
            if getattr(self, "swagger_fake_view", False):
                return self.queryset.none()
            raise NotFound()
        return self.get_tenant_queryset(tenant).filter(**{self.tenant_lookup: tenant})

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["tenant"] = getattr(self, "tenant", None)
        return context


class TenantModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TenantScopedViewSet,
):
    """Read endpoints of a tenant-owned model; writes are explicit actions that call services."""


class StrictFieldsMixin:
    """Refuse input fields that are unknown or read-only instead of silently ignoring them.

    Clients cannot mass-assign `tenant`, `status`, `role`, `is_staff`, amounts or numbers: each
    such attempt is a 400 naming the field.
    """

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = sorted(set(data.keys()) - writable)
            if refused:
                raise serializers.ValidationError(
                    {name: [serializers.ErrorDetail("This field cannot be written.", code="read_only_field")]
                     for name in refused}
                )
        return super().to_internal_value(data)


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key restricted to rows of the request's tenant; another tenant's id is a 400."""

    default_error_messages = {
        "does_not_exist": "Invalid pk \"{pk_value}\" - object does not exist.",
    }

    def __init__(self, *, tenant_lookup: str = "tenant", **kwargs):
        self.tenant_lookup = tenant_lookup
        super().__init__(**kwargs)

    def get_queryset(self):
        tenant = self.context.get("tenant")
        queryset = super().get_queryset()
        if tenant is None:
            return queryset.none()
        return queryset.filter(**{self.tenant_lookup: tenant})
