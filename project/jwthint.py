"""Read the user id of a bearer token without a query (routing and idempotency hints only).

The token's signature and expiry are checked; revocation is not (the view's authentication does
that), so the answer may only steer where a request reads or how its retries are recognised.
"""

from django.conf import settings


def bearer_user_id(request) -> str | None:
    """'' without a bearer token, None for a bad one, else the user id as a string."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return ""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import AccessToken

    try:
        token = AccessToken(header[len("Bearer "):].strip())
    except TokenError:
        return None
    return str(token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"), "")) or None
