"""Who may do what: role checks shared by the API and the services."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenancy.models import Role, TenantStatus, User
from tenancy.resolution import get_request_tenant

# Company states a view may declare (see ApprovalGateMixin in tenancy.api.base)
ACTIVE_ONLY = frozenset({TenantStatus.ACTIVE})
ACTIVE_OR_SUSPENDED = frozenset({TenantStatus.ACTIVE, TenantStatus.SUSPENDED})
EVERY_STATE = frozenset(TenantStatus.values)


class TenantStateGate(BasePermission):
    """The approval gate: the user's company must be in a state the view declares for the method.

    Runs after authentication and the view's role permissions: an anonymous request is left to
    them (401), and platform staff act on companies in every state. A refused PENDING or REJECTED
    company gets 403 `tenant_not_approved`, a refused SUSPENDED one 403 `tenant_suspended`.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or user.is_super_admin:
            return True
        tenant = get_request_tenant(request)
        if tenant is None:
            return True
        allowed = view.tenant_read_states if request.method in SAFE_METHODS else view.tenant_write_states
        if tenant.status in allowed:
            return True
        if tenant.status in (TenantStatus.PENDING, TenantStatus.REJECTED):
            raise PermissionDenied("Your company has not been approved yet.", code="tenant_not_approved")
        raise PermissionDenied("Your company is suspended: renew the subscription to make changes.",
                               code="tenant_suspended")


def is_super_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_super_admin)


def has_tenant_role(user, minimum: str) -> bool:
    """Return True for an active tenant user whose role ranks at least `minimum`."""
    return bool(user and user.is_authenticated and user.tenant_id and user.has_role(minimum))


class IsSuperAdmin(BasePermission):
    message = "Only platform staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_super_admin(request.user)


class IsTenantUser(BasePermission):
    """Any authenticated user of the request's tenant."""

    message = "Only users of this company may do this."

    def has_permission(self, request, view) -> bool:
        return has_tenant_role(request.user, Role.MEMBER)


class IsManager(BasePermission):
    message = "Only managers and company admins may do this."

    def has_permission(self, request, view) -> bool:
        return has_tenant_role(request.user, Role.MANAGER)


class IsTenantAdmin(BasePermission):
    message = "Only company admins may do this."

    def has_permission(self, request, view) -> bool:
        return has_tenant_role(request.user, Role.TENANT_ADMIN)


class ReadOnlyForTenantUsers(BasePermission):
    """Tenant users may read; only company admins may write."""

    message = "Only company admins may change this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return has_tenant_role(request.user, Role.MEMBER)
        return has_tenant_role(request.user, Role.TENANT_ADMIN)


def can_assign_role(actor: User, role: str) -> bool:
    """A user may hand out roles up to its own rank; SUPER_ADMIN is never handed out here."""
    if role == Role.SUPER_ADMIN:
        return False
    return actor.is_super_admin or actor.has_role(Role.TENANT_ADMIN)
