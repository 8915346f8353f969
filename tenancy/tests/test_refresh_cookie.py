"""The portal's session: the refresh token travels in an httpOnly cookie, never in a body, with CSRF."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from tenancy.tests.factories import TEST_PASSWORD

COOKIE = "portal_refresh"
HOST = "alpha.localhost"
PORTAL = {"HTTP_X_REFRESH_TRANSPORT": "cookie"}


def portal_client(*, csrf: bool = True) -> APIClient:
    """A browser-like client: CSRF enforced, the CSRF cookie taken from the portal's page."""
    client = APIClient(HTTP_HOST=HOST, enforce_csrf_checks=True)
    if csrf:
        client.get("/app/login")
    return client


def csrf_header(client) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def portal_login(client, user):
    return client.post("/api/auth/login/", {"email": user.email, "password": TEST_PASSWORD}, **PORTAL)


@pytest.fixture(autouse=True)
def _built_portal(settings, tmp_path):
    (tmp_path / "index.html").write_text('<meta name="portal-config" content="{}">')
    settings.PORTAL_DIST_DIR = tmp_path


def test_portal_login_puts_the_refresh_token_in_a_strict_httponly_cookie_only(tenant_admin):
    client = portal_client()

    response = portal_login(client, tenant_admin)

    assert response.status_code == 200
    body = response.json()
    assert body["access"] and body["refresh"] == ""
    assert "refresh_expiration" not in body
    cookie = response.cookies[COOKIE]
    assert cookie.value.count(".") == 2  # a JWT
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth/"
    assert cookie["domain"] == ""  # host-only: the company's own host, no sibling subdomain
    assert cookie["secure"] is True  # DEBUG is off in tests


def test_other_clients_keep_the_refresh_token_in_the_body_and_get_no_cookie(api, tenant_admin):
    response = api(host=HOST).post("/api/auth/login/", {"email": tenant_admin.email, "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert response.json()["refresh"].count(".") == 2
    assert COOKIE not in response.cookies


def test_silent_refresh_rotates_the_cookie_and_answers_only_an_access_token(tenant_admin):
    client = portal_client()
    portal_login(client, tenant_admin)
    first = client.cookies[COOKIE].value

    response = client.post("/api/auth/token/refresh/", {}, **PORTAL, **csrf_header(client))

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"} and response.json()["refresh"] == ""
    assert response.cookies[COOKIE].value not in ("", first)
    assert response.cookies[COOKIE]["httponly"] is True
    # The rotated-out token is dead: replaying it (say, a stolen copy) is refused.
    replay = APIClient(HTTP_HOST=HOST).post("/api/auth/token/refresh/", {"refresh": first})
    assert replay.status_code == 401
    # The new access token works.
    me = APIClient(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}").get("/api/auth/profile/")
    assert me.json()["email"] == tenant_admin.email


def test_refresh_from_the_cookie_needs_the_csrf_token(tenant_admin):
    client = portal_client()
    portal_login(client, tenant_admin)

    missing = client.post("/api/auth/token/refresh/", {}, **PORTAL)
    wrong = client.post("/api/auth/token/refresh/", {}, **PORTAL, HTTP_X_CSRFTOKEN="x" * 64)

    assert missing.status_code == wrong.status_code == 403
    assert missing.json()["code"] == wrong.json()["code"] == "csrf_failed"


def test_refresh_without_a_cookie_is_401_not_authenticated(db, tenant):
    client = portal_client()

    response = client.post("/api/auth/token/refresh/", {}, **PORTAL, **csrf_header(client))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_cookie_is_refused_on_another_companys_host(tenant_admin, other_tenant):
    client = portal_client()
    portal_login(client, tenant_admin)
    token = client.cookies[COOKIE].value

    other = APIClient(HTTP_HOST="beta.localhost", enforce_csrf_checks=True)
    other.get("/app/login")
    other.cookies[COOKIE] = token
    response = other.post("/api/auth/token/refresh/", {}, **PORTAL, **csrf_header(other))

    assert response.status_code == 401
    assert response.cookies[COOKIE].value == ""  # the useless cookie is cleared


def test_logout_blacklists_the_cookie_token_and_clears_the_cookie(tenant_admin):
    client = portal_client()
    portal_login(client, tenant_admin)
    token = client.cookies[COOKIE].value
    jti = RefreshToken(token)["jti"]

    response = client.post("/api/auth/logout/", {}, **PORTAL, **csrf_header(client))

    assert response.status_code == 200
    assert response.cookies[COOKIE].value == ""
    assert BlacklistedToken.objects.filter(token__jti=jti).exists()
    assert APIClient(HTTP_HOST=HOST).post("/api/auth/token/refresh/", {"refresh": token}).status_code == 401


def test_logout_from_the_cookie_needs_the_csrf_token(tenant_admin):
    client = portal_client()
    portal_login(client, tenant_admin)
    token = client.cookies[COOKIE].value

    response = client.post("/api/auth/logout/", {}, **PORTAL)

    assert response.status_code == 403
    assert not BlacklistedToken.objects.filter(token__jti=RefreshToken(token)["jti"]).exists()


def test_password_change_logs_out_every_other_session_and_keeps_this_one(tenant_admin):
    here, elsewhere = portal_client(), portal_client()
    access = portal_login(here, tenant_admin).json()["access"]
    portal_login(elsewhere, tenant_admin)

    response = here.post("/api/auth/change-password/", {
        "old_password": TEST_PASSWORD,
        "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase",
    }, **PORTAL, HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 200
    assert response.json()["refresh"] == "" and response.json()["access"]
    assert here.post("/api/auth/token/refresh/", {}, **PORTAL, **csrf_header(here)).status_code == 200
    assert elsewhere.post("/api/auth/token/refresh/", {}, **PORTAL, **csrf_header(elsewhere)).status_code == 401
