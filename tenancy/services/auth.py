"""Token revocation shared by password change, logout and deactivation."""

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tenancy.audit import AuditVerb, audit_record
from tenancy.models import User
from tenancy.services.common import model_update


@transaction.atomic
def user_revoke_tokens(*, user: User) -> None:
    """Blacklist every refresh token of the user and refuse access tokens issued until now."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding],
                                         ignore_conflicts=True)
    user.tokens_valid_after = timezone.now().replace(microsecond=0)
    user.save(update_fields=["tokens_valid_after"])


PROFILE_EDITABLE_FIELDS = ("first_name", "last_name")


@transaction.atomic
def user_profile_update(*, user: User, **changes) -> User:
    """Change the user's own name."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = model_update(user, changes, allowed=PROFILE_EDITABLE_FIELDS)
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
    user.save(update_fields=["password"])
    user_revoke_tokens(user=user)
    audit_record(tenant=user.tenant, actor=user, obj=user, changes={"password": ["***", "***"]},
                 verb=AuditVerb.USER_PASSWORD_RESET if reset else AuditVerb.USER_PASSWORD_CHANGED)
    return user
