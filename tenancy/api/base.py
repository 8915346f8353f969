"""The API bases. Every API view derives from exactly one of them (project/tests/test_api_bases.py):

* `TenantScopedViewSet` / `TenantScopedAPIView`: a company's own rows, always scoped by the request's
  tenant; another tenant's row is a 404;
* `PlatformStaffViewSet`: staff-only, cross-tenant endpoints (SUPER_ADMIN), the only API views that
  may read through the `*_for_all_tenants` selectors;
* `SelfServiceMixin`: endpoints that serve no tenant's rows (sign-up, login, the signed-in user's
  profile and password, the plan catalogue, accepting an invitation by its token).

All of them pass the approval gate (`ApprovalGateMixin`); the scoped and staff bases refuse, at class
creation, subclasses that override the hooks that scope rows and check permissions.
"""

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from tenancy.models import Tenant
from tenancy.permissions import ACTIVE_ONLY, IsSuperAdmin, TenantStateGate, is_super_admin
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


class SelfServiceMixin(ApprovalGateMixin):
    """Base of the endpoints that serve no tenant's rows: sign-up, login, tokens, the signed-in user's
    profile and password, the plan catalogue, accepting an invitation by its token.

    Such a view reads or writes only the requesting user (or nobody's rows, for the public ones); a
    view that lists or changes a company's rows derives from a tenant-scoped base instead.
    """


# Hooks of the scoped and staff bases that a subclass must not replace (each would be a way around the
# tenant scope, the role permissions or the approval gate).
SEALED_METHODS = ("get_queryset", "get_object", "get_permissions", "check_permissions",
                  "check_object_permissions", "initial")


class SealedHooksMixin:
    """Refuse, when a subclass is created, overrides of SEALED_METHODS (the bases themselves set `sealing_base`)."""

    sealed_hint = "implement the base's hook instead"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("sealing_base"):
            return
        sealed = [name for name in SEALED_METHODS if name in cls.__dict__]
        if sealed:
            raise TypeError(f"{cls.__name__} must not override {', '.join(sealed)}; {cls.sealed_hint}.")


class TenantScopedViewSet(SealedHooksMixin, ApprovalGateMixin, viewsets.GenericViewSet):
    """Base of every tenant-owned resource.

    Subclasses implement `get_tenant_queryset(tenant)`; `get_queryset` always adds the tenant
    filter afterwards. Roles come from `permission_classes`, or per action from
    `action_permission_classes = {action: [...]}`. Overriding the hooks in SEALED_METHODS is refused
    when the class is created.
    """

    sealing_base = True
    sealed_hint = "implement get_tenant_queryset(tenant) and declare action_permission_classes instead"
    tenant_lookup = "tenant"
    action_permission_classes: dict = {}

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


class TenantScopedAPIView(SealedHooksMixin, ApprovalGateMixin, APIView):
    """Base of a tenant-scoped endpoint that is not a collection (a company's settings, its billing
    dashboard): handlers use `self.tenant`, the request's tenant; without one the answer is 404."""

    sealing_base = True
    sealed_hint = "use self.tenant and declare permission_classes instead"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = get_request_tenant(request)
        if self.tenant is None:
            raise NotFound()


class PlatformStaffViewSet(SealedHooksMixin, ApprovalGateMixin, viewsets.GenericViewSet):
    """Base of the staff-only, cross-tenant endpoints: platform staff (SUPER_ADMIN) on every action.

    Subclasses implement `get_platform_queryset()` with the `*_for_all_tenants` selectors; on the
    platform host staff see every tenant's rows, on a tenant's host only that tenant's
    (`tenant_lookup`). Staff pass the approval gate for companies in every state.

    `own_company_actions = {action: [permission classes]}` names the few actions a company's own
    users may use as well, e.g. reading their own company in `GET tenants/`: for them the rows are
    always limited to their company's, and the gate states the view declares apply. Every other
    action is IsSuperAdmin, fixed. Overriding the hooks in SEALED_METHODS is refused.
    """

    sealing_base = True
    sealed_hint = "implement get_platform_queryset() and declare own_company_actions instead"
    tenant_lookup = "tenant"
    own_company_actions: dict = {}

    def _own_company_action(self) -> bool:
        return self.action in self.own_company_actions and not is_super_admin(self.request.user)

    def get_permissions(self):
        if self._own_company_action():
            return [permission() for permission in self.own_company_actions[self.action]]
        return [IsSuperAdmin()]

    def get_platform_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        queryset = self.get_platform_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if is_super_admin(self.request.user):
            host_tenant = getattr(self.request, "tenant", None)
            return queryset if host_tenant is None else queryset.filter(**{self.tenant_lookup: host_tenant.pk})
        tenant = get_request_tenant(self.request)
        if tenant is None or not self._own_company_action():
            raise NotFound()
        return queryset.filter(**{self.tenant_lookup: tenant.pk})


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
