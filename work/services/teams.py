"""Teams, their members and team invitations."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy import limits
from tenancy.audit import AuditVerb, audit_record, created
from tenancy.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tenancy.links import portal_url
from tenancy.models import NotificationType, Tenant, User
from tenancy.services.common import model_update
from tenancy.services.notifications import notify
from tenancy.tokens import invitation_check_usable, token_hash, token_new
from work.models import Task, TaskAction, TaskActivity, Team, TeamInvitation, TeamMember, TeamRole
from work.permissions import can_create_team, can_hold_team_role, can_manage_team

INVITATION_DAYS = 7



def _same_tenant(tenant: Tenant, *objects) -> None:
    """Refuse to link objects of another tenant (the API already answers 400 before this)."""
    for obj in objects:
        if obj is not None and obj.tenant_id != tenant.id:
            raise ServiceError("This object belongs to another company.", code="cross_tenant")


def limit_check_locked(*, tenant: Tenant, resource: str, adding: int | float = 1) -> None:
    """Check a plan limit with the tenant row locked, so that concurrent creates cannot both pass it.

    Lock order in work: tenant, then team, then tasks.
    """
    Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk", flat=True).first()
    limits.check(tenant=tenant, resource=resource, adding=adding)


def _team_role_check(*, user: User, role: str) -> None:
    if role not in TeamRole.values:
        raise ServiceError("Unknown team role.", code="invalid_team_role", fields={"role": ["Not a valid role."]})
    if not can_hold_team_role(user, role):
        raise ServiceError("Only company managers and admins can manage a team.", code="invalid_team_role",
                           fields={"role": ["This user cannot be a team manager."]})


def _manage_check(*, actor: User, team: Team) -> None:
    if not can_manage_team(actor, team):
        raise Forbidden("Only the team's managers and company admins may do this.", code="not_team_manager")


def _name_check(*, tenant: Tenant, name: str, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("A team needs a name.", code="blank", fields={"name": ["This field may not be blank."]})
    taken = Team.objects.filter(tenant=tenant, name__iexact=name).exclude(pk=exclude_id).exists()
    if taken:
        raise Conflict("A team with this name already exists.", code="team_name_taken",
                       fields={"name": ["A team with this name already exists."]})
    return name


@transaction.atomic
def team_create(*, tenant: Tenant, actor: User, name: str, description: str = "") -> Team:
    """Create a team (counted against the plan's teams) with its creator as manager."""
    if actor.tenant_id:
        _same_tenant(tenant, actor)
    if not can_create_team(actor):
        raise Forbidden("Only managers and company admins may create teams.", code="permission_denied")
    name = _name_check(tenant=tenant, name=name)
    limit_check_locked(tenant=tenant, resource="teams")
    try:
        with transaction.atomic():
            team = Team.objects.create(tenant=tenant, name=name, description=description, created_by=actor)
    except IntegrityError as exc:
        raise Conflict("A team with this name already exists.", code="team_name_taken") from exc
    if actor.tenant_id == tenant.id:
        TeamMember.objects.create(tenant=tenant, team=team, user=actor, role=TeamRole.MANAGER)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_CREATED, obj=team,
                 changes=created(team, ["name", "description"]))
    return team


@transaction.atomic
def team_update(*, tenant: Tenant, actor: User, team: Team, name: str | None = None,
                description: str | None = None) -> Team:
    """Rename a team or change its description."""
    _same_tenant(tenant, team)
    _manage_check(actor=actor, team=team)
    team = Team.objects.select_for_update().get(pk=team.pk, tenant=tenant)
    changes = {}
    if name is not None and name.strip() != team.name:
        changes["name"] = _name_check(tenant=tenant, name=name, exclude_id=team.pk)
    if description is not None:
        changes["description"] = description
    changed = model_update(team, changes, allowed=("name", "description"), actor=actor)
    if changed:
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_UPDATED, obj=team, changes=changed)
    return team


@transaction.atomic
def team_archive(*, tenant: Tenant, actor: User, team: Team) -> Team:
    """Archive a team: it stays readable, stops counting against the plan and takes no new tasks."""
    _same_tenant(tenant, team)
    _manage_check(actor=actor, team=team)
    team = Team.objects.select_for_update().get(pk=team.pk, tenant=tenant)
    if not team.is_archived:
        team.is_archived = True
        team.archived_at = timezone.now()
        team.save(update_fields=["is_archived", "archived_at", "updated_at"])
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_ARCHIVED, obj=team,
                     changes={"is_archived": [False, True]})
    return team


def _add_member(*, tenant: Tenant, team: Team, user: User, role: str) -> TeamMember:
    if not user.is_active:
        raise ServiceError("This user is deactivated.", code="user_inactive", fields={"user": ["Inactive user."]})
    _team_role_check(user=user, role=role)
    if TeamMember.objects.filter(tenant=tenant, team=team, user=user).exists():
        raise Conflict("This user is already a member of the team.", code="already_member")
    try:
        with transaction.atomic():
            return TeamMember.objects.create(tenant=tenant, team=team, user=user, role=role)
    except IntegrityError as exc:
        raise Conflict("This user is already a member of the team.", code="already_member") from exc


@transaction.atomic
def team_member_add(*, tenant: Tenant, actor: User, team: Team, user: User,
                    role: str = TeamRole.MEMBER) -> TeamMember:
    """Add a user of the same company to the team."""
    _same_tenant(tenant, team, user)
    _manage_check(actor=actor, team=team)
    membership = _add_member(tenant=tenant, team=team, user=user, role=role)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_MEMBER_ADDED, obj=team,
                 changes={"member": [None, user.email], "role": [None, role]})
    return membership


@transaction.atomic
def team_member_remove(*, tenant: Tenant, actor: User, team: Team, user: User) -> None:
    """Remove a member; the team keeps at least one manager and the member's tasks are unassigned."""
    _same_tenant(tenant, team, user)
    _manage_check(actor=actor, team=team)
    # Lock the team's memberships so that two removals at once cannot both pass the manager count.
    memberships = list(TeamMember.objects.select_for_update().filter(tenant=tenant, team=team))
    membership = next((m for m in memberships if m.user_id == user.pk), None)
    if membership is None:
        raise NotFound("This user is not a member of the team.", code="not_member")
    managers = [m for m in memberships if m.role == TeamRole.MANAGER]
    if membership.role == TeamRole.MANAGER and len(managers) <= 1:
        raise Conflict("A team must keep at least one manager.", code="last_team_manager")
    membership.delete()
    tasks = list(Task.objects.select_for_update().filter(tenant=tenant, team=team, assignee=user))
    TaskActivity.objects.bulk_create([
        TaskActivity(tenant=tenant, task=task, actor=actor, action=TaskAction.ASSIGNED, field="assignee",
                     old_value=str(user.pk), new_value="")
        for task in tasks
    ])
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=None, updated_at=timezone.now())
    changes = {"member": [user.email, None]}
    if tasks:
        changes["assignee_removed_from_tasks"] = [[task.pk for task in tasks], []]
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_MEMBER_REMOVED, obj=team, changes=changes)


@transaction.atomic
def team_invitation_create(*, tenant: Tenant, actor: User, team: Team, email: str,
                           role: str = TeamRole.MEMBER) -> tuple[TeamInvitation, str]:
    """Invite a user of the company (by e-mail) to join the team; return the invitation and its token.

    The invitee, if such a user exists, is notified with the token.
    """
    _same_tenant(tenant, team)
    _manage_check(actor=actor, team=team)
    if team.is_archived:
        raise Conflict("This team is archived.", code="team_archived")
    email = (email or "").strip().lower()
    if role not in TeamRole.values:
        raise ServiceError("Unknown team role.", code="invalid_team_role", fields={"role": ["Not a valid role."]})
    invitee = User.objects.filter(tenant=tenant, email__iexact=email, is_active=True).first()
    if invitee is not None:
        _team_role_check(user=invitee, role=role)
        if TeamMember.objects.filter(tenant=tenant, team=team, user=invitee).exists():
            raise Conflict("This user is already a member of the team.", code="already_member")
    pending = TeamInvitation.objects.filter(tenant=tenant, team=team, email=email, accepted_at__isnull=True,
                                            revoked_at__isnull=True, expires_at__gt=timezone.now())
    if pending.exists():
        raise Conflict("This address already has a pending invitation to the team.", code="invitation_pending")
    token, hashed = token_new()
    invitation = TeamInvitation.objects.create(
        tenant=tenant, team=team, email=email, role=role, token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS), invited_by=actor,
    )
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_INVITATION_CREATED, obj=invitation,
                 changes=created(invitation, ["team", "email", "role"]))
    if invitee is not None:
        link = f"{portal_url(tenant)}/teams/accept-invitation?token={token}"
        notify(
            tenant=tenant, recipients=[invitee], type=NotificationType.TEAM_INVITATION,
            title=f"You are invited to the team {team.name}",
            body=f"{actor.get_full_name() or actor.email} invited you to join {team.name}. "
                 f"Accept within {INVITATION_DAYS} days: {link}",
            data={"team_id": team.pk, "invitation_id": invitation.pk, "token": token},
        )
    return invitation, token


@transaction.atomic
def team_invitation_revoke(*, tenant: Tenant, actor: User, invitation: TeamInvitation) -> TeamInvitation:
    """Revoke a pending team invitation so that its token no longer works."""
    invitation = TeamInvitation.objects.select_for_update().select_related("team").get(pk=invitation.pk,
                                                                                       tenant=tenant)
    _manage_check(actor=actor, team=invitation.team)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict("This invitation is no longer pending.", code="invitation_not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TEAM_INVITATION_REVOKED, obj=invitation,
                 changes={"revoked_at": [None, invitation.revoked_at]})
    return invitation


@transaction.atomic
def team_invitation_accept(*, tenant: Tenant, user: User, token: str) -> TeamMember:
    """Join the team with an invitation's token; the token is single-use and bound to the invitee's e-mail."""
    invitation = (
        TeamInvitation.objects.select_for_update().select_related("team")
        .filter(tenant=tenant, token_hash=token_hash(token)).first()
    )
    # Someone else's token and an unknown token look the same.
    if invitation is None or user.tenant_id != tenant.id or invitation.email.lower() != user.email.lower():
        raise NotFound("This invitation does not exist.", code="invitation_invalid")
    invitation_check_usable(invitation)
    if invitation.team.is_archived:
        raise Conflict("This team is archived.", code="team_archived")
    membership = _add_member(tenant=tenant, team=invitation.team, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(tenant=tenant, actor=user, verb=AuditVerb.TEAM_INVITATION_ACCEPTED, obj=invitation.team,
                 changes={"member": [None, user.email], "role": [None, invitation.role]})
    return membership
