"""The refresh token in an httpOnly cookie, for browser clients that ask for it (the portal at /app/).

A client opts in with `X-Refresh-Transport: cookie`. Then the refresh token never appears in a response
body: login, refresh and password change put it in dj-rest-auth's refresh cookie (httpOnly, SameSite=Strict,
Secure outside DEBUG, host-only so that it stays on the company's own host, path /api/auth/), and refresh
and logout read it from there. Those two accept the cookie only with Django's CSRF token in `X-CSRFToken`
(double submit), on top of SameSite=Strict. Other clients (mobile apps, scripts) keep the body transport.
"""

from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import set_jwt_refresh_cookie, unset_jwt_cookies
from rest_framework.authentication import CSRFCheck

from tenancy.exceptions import ServiceError

TRANSPORT_HEADER = "HTTP_X_REFRESH_TRANSPORT"


def wants_cookie(request) -> bool:
    return request.META.get(TRANSPORT_HEADER, "").strip().lower() == "cookie"


def cookie_name() -> str:
    return rest_auth_settings.JWT_AUTH_REFRESH_COOKIE


def refresh_from_cookie(request) -> str | None:
    """Return the refresh token of the cookie after the CSRF check; None when there is no cookie."""
    token = request.COOKIES.get(cookie_name())
    if not token:
        return None
    check = CSRFCheck(lambda _request: None)
    http_request = getattr(request, "_request", request)
    check.process_request(http_request)
    reason = check.process_view(http_request, None, (), {})
    if reason:
        raise ServiceError("The CSRF token is missing or wrong: reload the page.", code="csrf_failed",
                           status_code=403)
    return token


def put_refresh_in_cookie(response, refresh: str) -> None:
    """Move the refresh token from the body into the cookie."""
    set_jwt_refresh_cookie(response, refresh)
    if "refresh" in response.data:
        response.data["refresh"] = ""
    response.data.pop("refresh_expiration", None)


def clear_refresh_cookie(response) -> None:
    unset_jwt_cookies(response)
