"""The tenant-scoped API base: every query starts from the request's tenant."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound

from tenancy import resolution
from tenancy.models import Tenant

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def get_request_tenant(request) -> Tenant | None:
    """Return the host's tenant or, on a platform host, the authenticated user's own tenant."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        return tenant
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.tenant_id:
        return resolution.tenant_by_id(user.tenant_id)
    return None


def record_activity(request, *, verb: str, obj=None, tenant=None, changes: dict | None = None) -> None:
    """Describe the write this request made; ActivityLogMiddleware stores it once the response is sent."""
    http_request = getattr(request, "_request", request)
    http_request.activity = {
        "verb": verb,
        "tenant": tenant if tenant is not None else get_request_tenant(request),
        "object_type": obj._meta.model_name if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": str(obj)[:200] if obj is not None else "",
        "changes": changes or {},
    }


class TenantScopedViewSet(viewsets.GenericViewSet):
    """Base of every tenant-owned resource.

    Subclasses implement `get_tenant_queryset(tenant)`; `get_queryset` always adds the tenant
    filter afterwards, and overriding it is refused when the class is created.
    """

    tenant_lookup = "tenant"
    activity_noun: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} must not override get_queryset(); implement get_tenant_queryset(tenant)."
            )

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

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        http_request = getattr(request, "_request", request)
        if (
            request.method in WRITE_METHODS
            and response.status_code < 400
            and not hasattr(http_request, "activity")
            and getattr(self, "tenant", None) is not None
        ):
            noun = self.activity_noun or self.basename or self.__class__.__name__.lower()
            object_id = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
            if not object_id and isinstance(getattr(response, "data", None), dict):
                object_id = response.data.get("id", "")
            http_request.activity = {
                "verb": f"{noun}.{self.action or request.method.lower()}",
                "tenant": self.tenant,
                "object_type": noun,
                "object_id": str(object_id or ""),
                "object_repr": "",
                "changes": {},
            }
        return response


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
