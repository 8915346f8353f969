"""JWT authentication bound to the request's tenant."""

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

from tenancy.models import User

_UNSET = object()


def check_token_for_request(*, user: User, token, host_tenant) -> None:
    """Refuse a token revoked by a password change or used on another tenant's host."""
    valid_after = user.tokens_valid_after
    if valid_after is not None and int(token.get("iat", 0)) < int(valid_after.timestamp()):
        raise AuthenticationFailed("This token has been revoked.", code="token_revoked")
    if token.get("tenant_id") != user.tenant_id:
        raise AuthenticationFailed("This token is not valid for this tenant.", code="token_tenant_mismatch")
    if host_tenant is not None and not user.is_super_admin and user.tenant_id != host_tenant.id:
        raise AuthenticationFailed("This token is not valid for this tenant.", code="token_tenant_mismatch")


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
        except AuthenticationFailed as exc:
            http_request._tenant_jwt_result = exc
            raise
        http_request._tenant_jwt_result = result
        return result
