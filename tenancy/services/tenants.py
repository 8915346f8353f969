"""Tenant sign-up, approval, suspension and settings."""

import re
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy.audit import AuditVerb, audit_record, change_reason, created, diff, snapshot
from tenancy.exceptions import InvalidTransition, ServiceError
from tenancy.mail import email_enqueue
from tenancy.models import (
    Domain,
    NotificationType,
    Role,
    Tenant,
    TenantSettings,
    TenantStatus,
    User,
)
from tenancy.services.checks import email_check, password_check, subdomain_check, tenant_host
from tenancy.services.common import model_update
from tenancy.services.members import tenant_admin_invite
from tenancy.services.notifications import notify


def _create_tenant(*, actor: User | None, name: str, subdomain: str, contact_email: str, contact_name: str = "",
                   contact_phone: str = "", status: str = TenantStatus.PENDING) -> Tenant:
    """Create the company with its subdomain and settings (`actor` None: a sign-up, nobody logged in yet)."""
    tenant = Tenant(
        name=name, slug=subdomain, status=status, contact_email=contact_email,
        contact_name=contact_name, contact_phone=contact_phone,
    )
    reason = "signed up" if status == TenantStatus.PENDING else "created by staff"
    change_reason(tenant, reason, actor=actor)
    tenant.save(force_insert=True)
    for row in (Domain(tenant=tenant, host=tenant_host(subdomain), is_primary=True),
                TenantSettings(tenant=tenant, legal_name=name, billing_email=contact_email)):
        change_reason(row, f"company {reason}", actor=actor)
        row.save(force_insert=True)
    return tenant


def tenant_register(
    *,
    company_name: str,
    subdomain: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    contact_phone: str = "",
) -> tuple[Tenant, User] | None:
    """Sign a company up: a PENDING tenant, its subdomain and its first TENANT_ADMIN.

    The caller's answer must not tell whether the e-mail address has an account: for a taken address
    nothing is created (None is returned) and the address's owner gets an e-mail instead.
    """
    email = (email or "").strip().lower()
    probe = User(email=email, first_name=first_name, last_name=last_name)
    password_check(password, probe)
    subdomain = subdomain_check(subdomain)
    if User.objects.filter(email__iexact=email).exists():
        email_enqueue(
            to=[email],
            subject="Someone tried to sign up with your e-mail address",
            body="Someone tried to register a company on our platform with this e-mail address, which "
                 "already has an account. If it was you, log in instead (or reset your password); an "
                 "address can belong to one company only. If it was not you, you can ignore this e-mail: "
                 "nothing was created.\n",
        )
        return None
    try:
        with transaction.atomic():
            tenant = _create_tenant(
                actor=None, name=company_name.strip(), subdomain=subdomain, contact_email=email,
                contact_name=f"{first_name} {last_name}".strip(), contact_phone=contact_phone,
            )
            user = User.objects.build_user(email, password, first_name=first_name, last_name=last_name,
                                           tenant=tenant, role=Role.TENANT_ADMIN)
            change_reason(user, "signed up", actor=None)  # the sign-up is the system's act: nobody was logged in
            user.save()
            audit_record(tenant=tenant, actor=user, verb=AuditVerb.TENANT_REGISTERED, obj=tenant,
                         changes=created(tenant, TENANT_AUDITED_FIELDS))
            email_enqueue(
                to=[email],
                subject=f"{tenant.name} is registered",
                body=f"Your company {tenant.name} is registered and waits for approval by our team. You can "
                     f"log in at {tenant.slug}.{settings.TENANT_BASE_DOMAIN} meanwhile.\n",
                tenant_id=tenant.pk,
            )
    except IntegrityError as exc:  # a concurrent sign-up took the subdomain or e-mail first
        raise ServiceError("This subdomain or e-mail address is already taken.", code="conflict",
                           status_code=409) from exc
    return tenant, user


def tenant_create(*, actor: User, name: str, subdomain: str, contact_email: str,
                  contact_name: str = "", contact_phone: str = "", admin_email: str = "") -> Tenant:
    """Create an approved tenant on behalf of platform staff, inviting its first admin when given."""
    subdomain = subdomain_check(subdomain)
    if admin_email:
        email_check(admin_email)  # refused before anything is created
    with transaction.atomic():
        tenant = _create_tenant(
            actor=actor, name=name.strip(), subdomain=subdomain, contact_email=contact_email.strip().lower(),
            contact_name=contact_name, contact_phone=contact_phone, status=TenantStatus.ACTIVE,
        )
        tenant.approved_at = timezone.now()
        tenant.approved_by = actor
        change_reason(tenant, "created by staff, approved", actor=actor)
        tenant.save(update_fields=["approved_at", "approved_by", "updated_at"])
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_CREATED, obj=tenant,
                     changes=created(tenant, TENANT_AUDITED_FIELDS))
        if admin_email:
            tenant_admin_invite(tenant=tenant, actor=actor, email=admin_email)
    return tenant


TENANT_EDITABLE_FIELDS = ("name", "contact_name", "contact_email", "contact_phone")
TENANT_AUDITED_FIELDS = ("name", "slug", "status", *TENANT_EDITABLE_FIELDS[1:])
# What a status change alters, for its audit diff
TRANSITION_FIELDS = ("status", "rejection_reason", "suspension_reason", "is_suspended_for_nonpayment")


@transaction.atomic
def tenant_update(*, tenant: Tenant, actor: User, **changes) -> Tenant:
    """Change a tenant's name and contact details."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    changed = model_update(tenant, changes, allowed=TENANT_EDITABLE_FIELDS, reason="details changed",
                           actor=actor)
    if changed:
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_UPDATED, obj=tenant, changes=changed)
    return tenant


def tenant_admins(tenant: Tenant) -> list[User]:
    return list(User.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN, is_active=True))


def _transition(*, tenant: Tenant, to: str, from_statuses: set[str]) -> tuple[Tenant, dict]:
    """Lock the tenant and move it to `to`, refusing any start status the action does not allow.

    Returns the tenant and a snapshot of its state before, for the audit diff.
    """
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if locked.status not in from_statuses or not locked.can_transition_to(to):
        raise InvalidTransition.refuse(noun="company", current=locked.get_status_display(),
                                       target=TenantStatus(to).label, status=locked.status)
    before = snapshot(locked, TRANSITION_FIELDS)
    locked.status = to
    return locked, before


def _transition_done(*, tenant: Tenant, actor: User | None, verb: AuditVerb, before: dict, reason: str) -> None:
    change_reason(tenant, reason, actor=actor)  # shown on the company's history page
    audit_record(tenant=tenant, actor=actor, verb=verb, obj=tenant,
                 changes=diff(before, snapshot(tenant, TRANSITION_FIELDS)))


@transaction.atomic
def tenant_approve(*, tenant: Tenant, actor: User) -> Tenant:
    """Approve a pending (or earlier rejected) tenant and tell its admins."""
    tenant, before = _transition(tenant=tenant, to=TenantStatus.ACTIVE,
                                 from_statuses={TenantStatus.PENDING, TenantStatus.REJECTED})
    tenant.approved_at, tenant.approved_by = timezone.now(), actor
    tenant.rejection_reason = ""
    _transition_done(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_APPROVED, before=before, reason="approved")
    tenant.save(update_fields=["status", "approved_at", "approved_by", "rejection_reason", "updated_at"])
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.TENANT_APPROVED,
           title="Your company has been approved",
           body=f"{tenant.name} is approved: choose a plan to start working.")
    return tenant


@transaction.atomic
def tenant_reject(*, tenant: Tenant, actor: User, reason: str) -> Tenant:
    """Reject a pending tenant, recording why."""
    if not reason.strip():
        raise ServiceError("Give a reason.", code="reason_required", fields={"reason": ["This field is required."]})
    tenant, before = _transition(tenant=tenant, to=TenantStatus.REJECTED, from_statuses={TenantStatus.PENDING})
    tenant.rejected_at, tenant.rejected_by, tenant.rejection_reason = timezone.now(), actor, reason.strip()
    _transition_done(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_REJECTED, before=before,
                     reason=f"rejected: {reason.strip()}")
    tenant.save(update_fields=["status", "rejected_at", "rejected_by", "rejection_reason", "updated_at"])
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.TENANT_REJECTED,
           title="Your company sign-up was not approved", body=reason.strip())
    return tenant


@transaction.atomic
def tenant_suspend(*, tenant: Tenant, actor: User | None, reason: str, for_nonpayment: bool = False) -> Tenant:
    """Suspend an active tenant (by staff, or by the billing cycle for non-payment)."""
    if not reason.strip():
        raise ServiceError("Give a reason.", code="reason_required", fields={"reason": ["This field is required."]})
    tenant, before = _transition(tenant=tenant, to=TenantStatus.SUSPENDED, from_statuses={TenantStatus.ACTIVE})
    tenant.suspended_at, tenant.suspended_by = timezone.now(), actor
    tenant.suspension_reason = reason.strip()
    tenant.is_suspended_for_nonpayment = for_nonpayment
    _transition_done(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_SUSPENDED, before=before,
                     reason=f"suspended: {reason.strip()}")
    tenant.save(update_fields=["status", "suspended_at", "suspended_by", "suspension_reason",
                               "is_suspended_for_nonpayment", "updated_at"])
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.TENANT_SUSPENDED,
           title="Your company has been suspended", body=reason.strip())
    return tenant


@transaction.atomic
def tenant_reactivate(*, tenant: Tenant, actor: User | None) -> Tenant:
    """Lift a suspension (staff, or a verified payment)."""
    tenant, before = _transition(tenant=tenant, to=TenantStatus.ACTIVE, from_statuses={TenantStatus.SUSPENDED})
    tenant.is_suspended_for_nonpayment = False
    tenant.suspension_reason = ""
    _transition_done(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_REACTIVATED, before=before,
                     reason="reactivated")
    tenant.save(update_fields=["status", "is_suspended_for_nonpayment", "suspension_reason", "updated_at"])
    notify(tenant=tenant, recipients=tenant_admins(tenant), type=NotificationType.TENANT_REACTIVATED,
           title="Your company is active again", body=f"{tenant.name} can use the platform again.")
    return tenant


SETTINGS_EDITABLE_FIELDS = ("timezone", "locale", "brand_color", "logo_url", "legal_name",
                            "billing_email", "billing_address", "tax_id")
BRAND_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def tenant_settings_check(changes: dict) -> None:
    """Refuse settings no company may have (the API's serializer and the admin's inline ask too)."""
    errors = {}
    if "timezone" in changes and changes["timezone"] not in zoneinfo.available_timezones():
        errors["timezone"] = ["Unknown time zone."]
    if "brand_color" in changes and not BRAND_COLOR_RE.match(changes["brand_color"] or ""):
        errors["brand_color"] = ["Enter a colour as #rrggbb."]
    if errors:
        raise ServiceError("Some settings are not valid.", code="settings_invalid", fields=errors)


@transaction.atomic
def tenant_settings_update(*, tenant: Tenant, actor: User, **changes) -> TenantSettings:
    """Change the tenant's settings (branding, locale, billing details)."""
    tenant_settings_check(changes)
    row, _ = TenantSettings.objects.select_for_update().get_or_create(tenant=tenant)
    changed = model_update(row, changes, allowed=SETTINGS_EDITABLE_FIELDS, reason="settings changed",
                           actor=actor)
    if changed:
        audit_record(tenant=tenant, actor=actor, verb=AuditVerb.TENANT_SETTINGS_UPDATED, obj=row, changes=changed)
    return row
