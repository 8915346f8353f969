"""JWT authentication bound to the request's tenant, with exact revocation.

Every token carries `ver`, the user's `token_version` when it was issued. Revoking a user's tokens
(password change or reset, deactivation, role change, "log out everywhere") increments the version
under the user's row lock, and refresh checks the version under the same lock, so no token issued
before a revocation is accepted afterwards, whatever refreshes were in flight. Logout also puts the
access token's `jti` on a denylist until it expires (the cache, with the database as its durable copy
when the cache is down).
"""

import datetime
import logging

from django.core.cache import cache
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from tenancy.models import RevokedAccessToken, User

logger = logging.getLogger(__name__)

_UNSET = object()
DENYLIST_PREFIX = "jwt-deny:"


def claim_int(token, name: str, *, required: bool = True) -> int | None:
    """Return an integer claim; a claim of another type (a list, a float, text) makes the token invalid."""
    value = token.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise InvalidToken(f"Token has an invalid {name} claim.")
    return int(value)


def check_token_for_request(*, user: User, token, host_tenant) -> None:
    """Refuse a revoked token, or one used on another tenant's host."""
    if (claim_int(token, "ver", required=False) or 0) != user.token_version:
        raise AuthenticationFailed("This token has been revoked.", code="token_revoked")
    tenant_claim = token.get("tenant_id")
    if tenant_claim is not None:
        tenant_claim = claim_int(token, "tenant_id")
    if tenant_claim != user.tenant_id:
        raise AuthenticationFailed("This token is not valid for this tenant.", code="token_tenant_mismatch")
    if host_tenant is not None and not user.is_super_admin and user.tenant_id != host_tenant.id:
        raise AuthenticationFailed("This token is not valid for this tenant.", code="token_tenant_mismatch")


def access_token_deny(token) -> None:
    """Refuse this access token until it expires (logout)."""
    jti = token.get(api_settings.JTI_CLAIM)
    if not jti:
        return
    expires_at = datetime.datetime.fromtimestamp(claim_int(token, "exp"), tz=datetime.UTC)
    now = timezone.now()
    RevokedAccessToken.objects.filter(expires_at__lt=now).delete()
    RevokedAccessToken.objects.get_or_create(jti=str(jti)[:64], defaults={"expires_at": expires_at})
    try:
        cache.set(f"{DENYLIST_PREFIX}{jti}", 1, timeout=max(1, int((expires_at - now).total_seconds()) + 1))
    except Exception:  # noqa: BLE001 - the database row still refuses it when the cache is down
        logger.warning("could not write the revoked access token to the cache")


def access_token_is_denied(token) -> bool:
    jti = token.get(api_settings.JTI_CLAIM)
    if not jti:
        return False
    try:
        return cache.get(f"{DENYLIST_PREFIX}{jti}") is not None
    except Exception:  # noqa: BLE001 - cache down: ask the durable copy
        return RevokedAccessToken.objects.filter(jti=str(jti)[:64]).exists()


class TenantJWTAuthentication(JWTAuthentication):
    """Bearer JWT whose user must belong to the tenant of the host it is used on."""

    def authenticate(self, request):
        # The approval middleware may already have authenticated this request.
        http_request = getattr(request, "_request", request)
        cached = getattr(http_request, "_tenant_jwt_result", _UNSET)
        if cached is not _UNSET:
            if isinstance(cached, AuthenticationFailed):
                raise cached
            return cached
        try:
            result = super().authenticate(request)
            if result is not None:
                user, token = result
                check_token_for_request(user=user, token=token, host_tenant=getattr(http_request, "tenant", None))
                if access_token_is_denied(token):
                    raise AuthenticationFailed("This token has been revoked.", code="token_revoked")
        except AuthenticationFailed as exc:
            http_request._tenant_jwt_result = exc
            raise
        http_request._tenant_jwt_result = result
        return result

    def get_user(self, validated_token):
        # A signed token with a malformed claim (user_id ["4"]) is invalid, not a server error.
        claim_int(validated_token, api_settings.USER_ID_CLAIM)
        return super().get_user(validated_token)
