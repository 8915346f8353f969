"""Exact token revocation: versions checked on every request and refresh, logout denylist, malformed claims."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tenancy.models import ActivityLog, RevokedAccessToken, Role
from tenancy.services.auth import user_revoke_tokens
from tenancy.tests.factories import UserFactory

PROFILE = "/api/auth/profile/"
REFRESH = "/api/auth/token/refresh/"


def _bearer(api, host, access):
    client = api(host=host)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_tokens_carry_the_users_version(tenant_admin, token_pair):
    access, refresh = token_pair(tenant_admin)
    assert AccessToken(access)["ver"] == tenant_admin.token_version == 0
    assert RefreshToken(refresh)["ver"] == 0


def test_revocation_refuses_access_and_refresh_tokens_issued_the_same_second(api, tenant_admin, token_pair):
    access, refresh = token_pair(tenant_admin)
    user_revoke_tokens(user=tenant_admin)
    fresh_access, _ = token_pair(tenant_admin)
    host = "alpha.localhost"
    refused = _bearer(api, host, access).get(PROFILE)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert api(host=host).post(REFRESH, {"refresh": refresh}).status_code == 401
    # A token issued after the revocation, within the same second, is good.
    assert _bearer(api, host, fresh_access).get(PROFILE).status_code == 200


def test_logout_everywhere_ends_every_session(api, tenant_admin, token_pair):
    first_access, first_refresh = token_pair(tenant_admin)
    second_access, _ = token_pair(tenant_admin)
    host = "alpha.localhost"
    response = _bearer(api, host, first_access).post("/api/auth/logout-everywhere/")
    assert response.status_code == 200
    for access in (first_access, second_access):
        assert _bearer(api, host, access).get(PROFILE).status_code == 401
    assert api(host=host).post(REFRESH, {"refresh": first_refresh}).status_code == 401
    tenant_admin.refresh_from_db()
    assert tenant_admin.token_version == 1
    assert ActivityLog.objects.filter(actor=tenant_admin, verb="user.logged_out_everywhere").count() == 1
    assert RevokedAccessToken.objects.filter(jti=AccessToken(first_access)["jti"]).exists()


def test_a_role_change_ends_the_members_sessions(api, tenant_admin, member, token_pair):
    access, refresh = token_pair(member)
    response = api(tenant_admin).patch(f"/api/tenants/members/{member.pk}/", {"role": Role.MANAGER}, format="json")
    assert response.status_code == 200
    assert _bearer(api, "alpha.localhost", access).get(PROFILE).status_code == 401
    assert api(host="alpha.localhost").post(REFRESH, {"refresh": refresh}).status_code == 401


def test_deactivation_ends_the_members_sessions(api, tenant_admin, member, token_pair):
    access, _ = token_pair(member)
    response = api(tenant_admin).patch(f"/api/tenants/members/{member.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert _bearer(api, "alpha.localhost", access).get(PROFILE).status_code == 401


def test_a_logged_out_access_token_stays_refused_when_the_cache_is_down(api, tenant_admin, token_pair):
    access, refresh = token_pair(tenant_admin)
    host = "alpha.localhost"
    assert _bearer(api, host, access).post("/api/auth/logout/", {"refresh": refresh}).status_code == 200
    assert RevokedAccessToken.objects.filter(jti=AccessToken(access)["jti"]).exists()
    with mock.patch("tenancy.authentication.cache", **{"get.side_effect": ConnectionError("cache down")}):
        refused = _bearer(api, host, access).get(PROFILE)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    other_access, _ = token_pair(tenant_admin)
    with mock.patch("tenancy.authentication.cache", **{"get.side_effect": ConnectionError("cache down")}):
        assert _bearer(api, host, other_access).get(PROFILE).status_code == 200


@pytest.mark.parametrize("claims", [
    {"user_id": ["4"]},
    {"user_id": {"id": 4}},
    {"user_id": 4.5},
    {"user_id": True},
    {"ver": ["0"]},
    {"ver": "zero"},
    {"tenant_id": ["1"]},
])
def test_malformed_claims_are_401(api, tenant_admin, claims):
    token = AccessToken.for_user(tenant_admin)
    token["tenant_id"] = tenant_admin.tenant_id
    token["ver"] = 0
    for name, value in claims.items():
        token[name] = value if name != "user_id" or value != 4 else tenant_admin.pk
    response = _bearer(api, "alpha.localhost", str(token)).get(PROFILE)
    assert response.status_code == 401, response.content
    assert response.json()["code"] in ("token_not_valid", "token_tenant_mismatch")


def test_a_refresh_token_with_a_malformed_user_id_is_401(api, tenant_admin):
    token = RefreshToken.for_user(tenant_admin)
    token["user_id"] = [str(tenant_admin.pk)]
    assert api(host="alpha.localhost").post(REFRESH, {"refresh": str(token)}).status_code == 401


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_a_stolen_session_ends_with_the_password_change_whatever_refreshes_are_in_flight(api, token_pair):
    """The attack: an attacker loops refresh with a stolen token while the victim changes the password."""
    from tenancy.tests.factories import TenantFactory

    tenant = TenantFactory(slug="race")
    host = "race.localhost"
    accepted_total = 0
    for run in range(20):
        password = f"Old-password-{run}!x"
        victim = UserFactory(tenant=tenant, role=Role.MEMBER, email=f"victim{run}@race.example", password=password)
        victim_access, stolen_refresh = token_pair(victim)
        issued: list[tuple[str, str]] = []
        stop = threading.Event()
        changed = threading.Event()

        def attacker(refresh=stolen_refresh, issued=issued, stop=stop):
            client = api(host=host)
            try:
                while not stop.is_set():
                    response = client.post(REFRESH, {"refresh": refresh}, format="json")
                    if response.status_code == 200:
                        body = response.json()
                        refresh = body["refresh"]
                        issued.append((body["access"], refresh))
            finally:
                connection.close()

        def victim_changes(access=victim_access, password=password, changed=changed):
            try:
                time.sleep(0.05)
                new = "A-brand-new-pass-77"
                response = _bearer(api, host, access).post("/api/auth/change-password/", {
                    "old_password": password, "new_password1": new, "new_password2": new,
                }, format="json")
                assert response.status_code == 200, response.content
            finally:
                changed.set()
                connection.close()

        threads = [threading.Thread(target=attacker) for _ in range(2)] + [threading.Thread(target=victim_changes)]
        for thread in threads:
            thread.start()
        changed.wait(timeout=30)
        time.sleep(0.1)  # refreshes keep arriving after the change
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert issued, "the attacker's refreshes never ran"
        for access, refresh in issued:
            if _bearer(api, host, access).get("/api/tasks/").status_code != 401:
                accepted_total += 1
            if api(host=host).post(REFRESH, {"refresh": refresh}, format="json").status_code == 200:
                accepted_total += 1
    assert accepted_total == 0
