"""Token revocation shared by password change and reset, deactivation, role changes and logout."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tenancy.audit import AuditVerb, audit_record, change_reason
from tenancy.models import User
from tenancy.services.common import model_update


@transaction.atomic
def user_revoke_tokens(*, user: User) -> None:
    """Refuse every token of the user issued until now, and blacklist its refresh tokens.

    The version is bumped with the user's row locked; refresh checks it under the same lock, so a refresh
    that was in flight either finished first (its tokens carry the old version: refused from now on) or
    runs after (it sees the new version and is refused).
    """
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1, tokens_valid_after=timezone.now())
    outstanding = OutstandingToken.objects.filter(user_id=user.pk).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding],
                                         ignore_conflicts=True)
    user.refresh_from_db(fields=["token_version", "tokens_valid_after"])


@transaction.atomic
def user_logout_everywhere(*, user: User) -> None:
    """End every session of the user (all devices): no earlier token is accepted any more."""
    user_revoke_tokens(user=user)
    audit_record(tenant=user.tenant, actor=user, verb=AuditVerb.USER_LOGGED_OUT_EVERYWHERE, obj=user)


PROFILE_EDITABLE_FIELDS = ("first_name", "last_name")


@transaction.atomic
def user_profile_update(*, user: User, **changes) -> User:
    """Change the user's own name."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = model_update(user, changes, allowed=PROFILE_EDITABLE_FIELDS, reason="profile changed",
                           actor=user)
    if changed:
        audit_record(tenant=user.tenant, actor=user, verb=AuditVerb.USER_PROFILE_UPDATED, obj=user, changes=changed)
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str, reset: bool = False) -> User:
    """Set a new (already validated) password and revoke every token issued until now.

    `reset` marks the e-mailed reset flow; the audit row never contains the password.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    change_reason(user, "password reset" if reset else "password changed", actor=user)
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant=user.tenant, actor=user, obj=user, changes={"password": ["***", "***"]},
                 verb=AuditVerb.USER_PASSWORD_RESET if reset else AuditVerb.USER_PASSWORD_CHANGED)
    return user
