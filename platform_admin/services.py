"""The control panel's own writes: staff accounts and their two-factor sign-in, password-reset e-mails,
stored-file housekeeping."""

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from billing.models import Payment
from tenancy import files
from tenancy.audit import AuditVerb, audit_record, change_reason
from tenancy.exceptions import Forbidden, ServiceError
from tenancy.forms import TenantPasswordResetForm
from tenancy.models import User
from tenancy.services.auth import user_revoke_tokens
from tenancy.services.members import member_update
from work.models import Attachment


@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool) -> User:
    """Deactivate or reactivate a user: tenant users through the member rules, staff only by a superuser."""
    if user.tenant_id is not None:
        return member_update(tenant=user.tenant, actor=actor, member=user, is_active=is_active)
    if not actor.is_superuser:
        raise Forbidden("Only a superuser may change staff accounts.")
    if user.pk == actor.pk and not is_active:
        raise ServiceError("You cannot deactivate your own account.", code="self_deactivation")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active != is_active:
        user.is_active = is_active
        change_reason(user, "activated" if is_active else "deactivated", actor=actor)
        user.save(update_fields=["is_active"])
        audit_record(tenant=None, actor=actor, obj=user, changes={"is_active": [not is_active, is_active]},
                     verb=AuditVerb.USER_ACTIVATED if is_active else AuditVerb.USER_DEACTIVATED)
        if not is_active:
            user_revoke_tokens(user=user)
    return user


def user_change_role(*, actor: User, user: User, role: str) -> User:
    """Change a tenant user's role (the company keeps one active admin)."""
    if user.tenant_id is None:
        raise ServiceError("Staff accounts have no company role; use their groups.", code="staff_role")
    return member_update(tenant=user.tenant, actor=actor, member=user, role=role)


def user_send_password_reset(*, user: User) -> None:
    """E-mail the user the same reset link as the API's password reset (it opens the frontend)."""
    if not user.is_active or not user.has_usable_password():
        raise ServiceError("This account cannot reset its password.", code="reset_unavailable")
    form = TenantPasswordResetForm(data={"email": user.email})
    if not form.is_valid():
        raise ServiceError("This account has no valid e-mail address.", code="reset_unavailable")
    form.save(
        subject_template_name="emails/password_reset_subject.txt",
        email_template_name="emails/password_reset.txt",
        from_email=settings.DEFAULT_FROM_EMAIL,
        extra_email_context={"frontend_url": settings.FRONTEND_URL},
        domain_override=settings.FRONTEND_URL,
    )


# The groups whose members must sign in with a second factor when STAFF_2FA_REQUIRED is on (money moves there).
GROUPS_REQUIRING_2FA = ("Finance",)


def group_requires_second_factor(user: User) -> bool:
    """Whether the user's group must sign in with a second factor (and may not turn it off)."""
    return bool(settings.STAFF_2FA_REQUIRED and user.is_authenticated
                and user.groups.filter(name__in=GROUPS_REQUIRING_2FA).exists())


def staff_two_factor_enable(*, user: User, token: str):
    """Confirm the user's new authenticator device with its current code: two-factor sign-in is on."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ServiceError("Two-factor sign-in is already on.", code="two_factor_on")
    # Outside the transaction: django-otp saves a failed try on the device (its throttle), and a refusal
    # must not roll that back.
    if not device.verify_token((token or "").strip()):
        raise ServiceError("This code is not the current one; type the code the app shows now.",
                           code="otp_invalid", fields={"token": ["This code is not the current one."]})
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(tenant=None, actor=user, obj=user, verb=AuditVerb.USER_TWO_FACTOR_ENABLED,
                         changes={"two_factor": [False, True]})
    return device


def staff_two_factor_disable(*, user: User, token: str) -> None:
    """Turn two-factor sign-in off, proven by a current code (not for a group that must keep it)."""
    from django_otp import match_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ServiceError("Two-factor sign-in is not on.", code="two_factor_off")
    if group_requires_second_factor(user):
        raise ServiceError("Your group signs in with a second factor; it stays on.", code="two_factor_required")
    if match_token(user, (token or "").strip()) is None:  # throttled per device by django-otp, kept on refusal
        raise ServiceError("This code is not the current one; type the code the app shows now.",
                           code="otp_invalid", fields={"token": ["This code is not the current one."]})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit_record(tenant=None, actor=user, obj=user, verb=AuditVerb.USER_TWO_FACTOR_DISABLED,
                         changes={"two_factor": [True, False]})


def staff_two_factor_reset(*, actor: User, user: User) -> None:
    """An owner turns off a staff member's two-factor sign-in (a lost phone): their next sign-in is by
    password alone, and they set up a new authenticator (required again at once for a group that needs it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not actor.is_superuser:
        raise ServiceError("Only an owner resets another staff member's two-factor sign-in.",
                           code="permission_denied")
    if user.tenant_id is not None or not user.is_staff:
        raise ServiceError("Only staff accounts sign in with two factors.", code="not_staff")
    if user.pk == actor.pk:
        raise ServiceError("Turn your own two-factor sign-in off on your two-factor page (it asks for a code).",
                           code="own_two_factor")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        if not deleted:
            raise ServiceError("Two-factor sign-in is not on.", code="two_factor_off")
        audit_record(tenant=None, actor=actor, obj=user, verb=AuditVerb.USER_TWO_FACTOR_DISABLED,
                     changes={"two_factor": [True, False]})


# Where each app stores its uploads (see billing.services.payments and work.services.attachments).
PROOF_FOLDER = "payment-proofs"
ATTACHMENT_FOLDER = "tenants"


def stored_files_cleanup(*, older_than: datetime.timedelta = datetime.timedelta(hours=6)) -> list[str]:
    """Delete payment proofs and attachments that no row references (left by rolled-back writes)."""
    proofs = set(Payment.objects.exclude(proof="").values_list("proof", flat=True).iterator(chunk_size=2000))
    attachments = set(Attachment.objects.values_list("file", flat=True).iterator(chunk_size=2000))
    deleted = files.orphan_files_delete(storage=default_storage, folder=PROOF_FOLDER, referenced=proofs,
                                        older_than=older_than)
    deleted += files.orphan_files_delete(
        storage=default_storage, folder=ATTACHMENT_FOLDER, referenced=attachments, older_than=older_than,
        keep=lambda path: "/attachments/" not in path,  # only attachments live under tenants/<id>/attachments/
    )
    return deleted
