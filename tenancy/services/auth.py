"""Token revocation shared by password change, logout and deactivation."""

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tenancy.models import User


@transaction.atomic
def user_revoke_tokens(*, user: User) -> None:
    """Blacklist every refresh token of the user and refuse access tokens issued until now."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding],
                                         ignore_conflicts=True)
    user.tokens_valid_after = timezone.now().replace(microsecond=0)
    user.save(update_fields=["tokens_valid_after"])
