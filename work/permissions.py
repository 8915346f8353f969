"""Who may do what with teams and tasks (DESIGN section 4)."""

from rest_framework.permissions import BasePermission

from tenancy.models import Role, User
from tenancy.permissions import has_tenant_role
from work.models import Team, TeamMember, TeamRole


def is_work_admin(user: User) -> bool:
    """Company admins (and platform staff acting through the admin) may do everything."""
    return bool(user.is_super_admin or (user.tenant_id and user.role == Role.TENANT_ADMIN))


def team_role(user: User, team: Team) -> str | None:
    """Return the user's role in the team, or None when not a member."""
    prefetched = getattr(team, "_prefetched_objects_cache", {}).get("memberships")
    if prefetched is not None:
        return next((m.role for m in prefetched if m.user_id == user.pk), None)
    return TeamMember.objects.filter(tenant_id=team.tenant_id, team=team, user=user).values_list(
        "role", flat=True).first()


def can_see_team(user: User, team: Team) -> bool:
    return is_work_admin(user) or team_role(user, team) is not None


def can_create_team(user: User) -> bool:
    return is_work_admin(user) or user.has_role(Role.MANAGER)


def can_manage_team(user: User, team: Team) -> bool:
    """Company admins, and managers of this team, manage its members, invitations and tasks."""
    return is_work_admin(user) or team_role(user, team) == TeamRole.MANAGER


def can_work_on_team(user: User, team: Team) -> bool:
    """Members of the team create, update and move its tasks, comment and attach."""
    return is_work_admin(user) or team_role(user, team) is not None


def can_hold_team_role(user: User, role: str) -> bool:
    """Only users who are managers (or admins) of the company may manage a team."""
    return role == TeamRole.MEMBER or user.has_role(Role.MANAGER)


class IsTenantWorker(BasePermission):
    """Any active user of the request's tenant; platform staff use the admin, not this API."""

    message = "Only users of this company may do this."

    def has_permission(self, request, view) -> bool:
        return has_tenant_role(request.user, Role.MEMBER)
