"""Tenant invitations and members."""

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy import limits
from tenancy.audit import AuditVerb, audit_record, change_reason, created
from tenancy.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tenancy.links import portal_url
from tenancy.mail import email_enqueue
from tenancy.models import TENANT_ROLES, Role, Tenant, TenantInvitation, User
from tenancy.permissions import can_assign_role
from tenancy.services.auth import user_revoke_tokens
from tenancy.services.checks import email_check, password_check
from tenancy.services.common import model_update
from tenancy.tokens import invitation_check_usable, token_hash, token_new

INVITATION_DAYS = 7

# Apps owning data tied to a member (work: team memberships, open tasks) register how to release it
# when the member leaves; tenancy imports none of them. A handler returns counts for the summary.
_release_handlers: list[Callable[..., dict]] = []


def register_member_release(handler: Callable[..., dict]) -> None:
    """Add `handler(*, tenant, actor, member, reassign_to) -> {name: count}` to member removal."""
    if handler not in _release_handlers:
        _release_handlers.append(handler)

def _role_check(*, actor: User, role: str) -> None:
    if role not in TENANT_ROLES:
        raise ServiceError("Unknown role.", code="invalid_role", fields={"role": ["Not a valid role."]})
    if not can_assign_role(actor, role):
        raise Forbidden("You cannot give this role.", code="role_not_allowed")


def _plan_limit_check(*, tenant: Tenant, resource: str) -> None:
    limits.check(tenant=tenant, resource=resource)


def _open_invitation_count(tenant: Tenant) -> int:
    return TenantInvitation.objects.filter(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True,
                                           expires_at__gt=timezone.now()).count()


@transaction.atomic
def invitation_create(*, tenant: Tenant, actor: User, email: str, role: str) -> tuple[TenantInvitation, str]:
    """Invite someone to the tenant; return the invitation and its one-time token (only sent by e-mail).

    Open invitations hold a seat: members plus open invitations may not exceed the plan's users.
    """
    _role_check(actor=actor, role=role)
    email = email.strip().lower()
    # Invitations of one company are serialised behind its row, so two at once cannot both take the last seat.
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and existing.tenant_id == tenant.pk:
        # Already one of the company's own members (the admin sees them): nothing leaks by saying so.
        raise ServiceError("This person is already a member of the company.", code="already_member",
                           fields={"email": ["This person is already a member of the company."]})
    if TenantInvitation.objects.filter(tenant=tenant, email=email, accepted_at__isnull=True,
                                       revoked_at__isnull=True, expires_at__gt=timezone.now()).exists():
        raise Conflict("This address already has a pending invitation.", code="invitation_pending")
    limits.check(tenant=tenant, resource="users", adding=1 + _open_invitation_count(tenant))
    token, hashed = token_new()
    invitation = TenantInvitation.objects.create(
        tenant=tenant, email=email, role=role, token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS), invited_by=actor,
    )
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVITATION_CREATED, obj=invitation,
                 changes=created(invitation, ["email", "role"]))
    # Staff invite a staff-created company's first admin: the e-mail names the platform, not a staff member.
    inviter = "The platform team" if actor.is_super_admin else (actor.get_full_name() or actor.email)
    if existing is None:
        link = f"{portal_url(tenant)}/accept-invitation?token={token}"
        body = (f"{inviter} invited you to join {tenant.name} as {invitation.get_role_display()}.\n\n"
                f"Accept within {INVITATION_DAYS} days: {link}\n")
    else:
        # The answer to the inviter is the same as for a new address (no probing who has an account);
        # the explanation goes to the address's owner only.
        body = (f"{inviter} invited you to join {tenant.name} as {invitation.get_role_display()}.\n\n"
                "This address already has an account on our platform, and an address can belong to one "
                "company only, so the invitation cannot be accepted with it. Ask them to invite another "
                "of your addresses, or ask your current company's admin to remove your account first.\n")
    email_enqueue(to=[email], subject=f"You are invited to {tenant.name}", body=body, tenant_id=tenant.id)
    return invitation, token


def tenant_admin_invite(*, tenant: Tenant, actor: User, email: str) -> tuple[TenantInvitation, str]:
    """Invite a company's admin on behalf of platform staff (the first admin of a company staff created)."""
    if not actor.is_super_admin:
        raise Forbidden("Only platform staff may do this.", code="permission_denied")
    return invitation_create(tenant=tenant, actor=actor, email=email, role=Role.TENANT_ADMIN)


@transaction.atomic
def invitation_revoke(*, tenant: Tenant, actor: User, invitation: TenantInvitation) -> TenantInvitation:
    """Revoke a pending invitation so that its token no longer works."""
    invitation = TenantInvitation.objects.select_for_update().get(pk=invitation.pk, tenant=tenant)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict("This invitation is no longer pending.", code="invitation_not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.INVITATION_REVOKED, obj=invitation,
                 changes={"revoked_at": [None, invitation.revoked_at]})
    return invitation


def invitation_accept(*, token: str, password: str, first_name: str = "", last_name: str = "",
                      host_tenant: Tenant | None = None) -> User:
    """Create the invited user from a valid, unused token."""
    with transaction.atomic():
        invitation = (TenantInvitation.objects.select_for_update().select_related("tenant")
                      .filter(token_hash=token_hash(token)).first())
        if invitation is None or (host_tenant is not None and invitation.tenant_id != host_tenant.id):
            raise NotFound("This invitation does not exist.", code="invitation_invalid")
        invitation_check_usable(invitation)
        email_check(invitation.email)
        password_check(password, User(email=invitation.email, first_name=first_name, last_name=last_name))
        _plan_limit_check(tenant=invitation.tenant, resource="users")
        try:
            user = User.objects.build_user(invitation.email, password, first_name=first_name, last_name=last_name,
                                           tenant=invitation.tenant, role=invitation.role)
            change_reason(user, "joined by invitation", actor=user)  # the history user: the new user
            user.save()
        except IntegrityError as exc:
            raise Conflict("A user with this e-mail address already exists.", code="email_taken") from exc
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user", "updated_at"])
        audit_record(tenant=invitation.tenant, actor=user, verb=AuditVerb.INVITATION_ACCEPTED, obj=user,
                     changes=created(user, ["email", "role"]))
    return user


def _active_admin_count(tenant: Tenant) -> int:
    return User.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN, is_active=True).count()


@transaction.atomic
def member_update(*, tenant: Tenant, actor: User, member: User, role: str | None = None,
                  is_active: bool | None = None) -> User:
    """Change a member's role or active flag; the tenant always keeps one active TENANT_ADMIN."""
    # Lock the tenant's admins so that two demotions at once cannot both pass the count.
    list(User.objects.select_for_update().filter(tenant=tenant, role=Role.TENANT_ADMIN))
    member = User.objects.select_for_update().get(pk=member.pk, tenant=tenant)
    changes = {}
    if role is not None and role != member.role:
        _role_check(actor=actor, role=role)
        changes["role"] = role
    if is_active is not None and is_active != member.is_active:
        if is_active:
            _plan_limit_check(tenant=tenant, resource="users")
        changes["is_active"] = is_active
    if not changes:
        return member
    was_admin = member.role == Role.TENANT_ADMIN and member.is_active
    loses_admin = was_admin and (changes.get("role", member.role) != Role.TENANT_ADMIN
                                 or not changes.get("is_active", member.is_active))
    if loses_admin and _active_admin_count(tenant) <= 1:
        raise Conflict("The company must keep at least one active admin.", code="last_tenant_admin")
    reasons = [f"role: {Role(changes['role']).label}"] if "role" in changes else []
    if "is_active" in changes:
        reasons.append("activated" if changes["is_active"] else "deactivated")
    changed = model_update(member, changes, allowed=("role", "is_active"), actor=actor, reason="; ".join(reasons))
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.MEMBER_UPDATED, obj=member, changes=changed)
    if ("is_active" in changes and not member.is_active) or "role" in changes:
        # A deactivated user, or one whose role changed, starts again from a fresh login.
        user_revoke_tokens(user=member)
    return member


@transaction.atomic
def member_remove(*, tenant: Tenant, actor: User, member: User, reassign_to: User | None = None) -> dict:
    """Remove a member from the company: deactivate, revoke tokens, release their teams and open tasks.

    Open tasks go to `reassign_to` where that member belongs to the task's team, and are
    unassigned elsewhere. Nothing is deleted: comments, attachments and history keep their author.
    Returns what happened: `{"reassigned": n, "unassigned": n, "teams_left": n}`.
    """
    # Same lock order as member_update: the tenant's admins, then the member.
    list(User.objects.select_for_update().filter(tenant=tenant, role=Role.TENANT_ADMIN))
    try:
        member = User.objects.select_for_update().get(pk=member.pk, tenant=tenant)
    except User.DoesNotExist:
        raise NotFound() from None
    if member.pk == actor.pk:
        raise ServiceError("You cannot remove yourself; another admin can.", code="cannot_remove_self")
    if reassign_to is not None and (reassign_to.tenant_id != tenant.pk or reassign_to.pk == member.pk
                                    or not reassign_to.is_active):
        raise ServiceError("Choose another active member of the company.", code="invalid_reassignee",
                           fields={"reassign_to": ["Not an active member of this company."]})
    if member.is_active and member.role == Role.TENANT_ADMIN and _active_admin_count(tenant) <= 1:
        raise Conflict("The company must keep at least one active admin.", code="last_tenant_admin")
    was_active = member.is_active
    if was_active:
        member.is_active = False
        change_reason(member, "removed from the company", actor=actor)
        member.save(update_fields=["is_active"])
        user_revoke_tokens(user=member)
    summary = {"reassigned": 0, "unassigned": 0, "teams_left": 0}
    for handler in _release_handlers:
        for key, count in handler(tenant=tenant, actor=actor, member=member, reassign_to=reassign_to).items():
            summary[key] = summary.get(key, 0) + count
    changes = {"is_active": [True, False]} if was_active else {}
    if reassign_to is not None:
        changes["reassign_to"] = [None, reassign_to.email]
    changes.update({key: [None, count] for key, count in summary.items()})
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.MEMBER_REMOVED, obj=member, changes=changes)
    return summary
