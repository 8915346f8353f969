"""Auth API: registration, login, tokens, profile, password change and reset."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from tenancy.models import Domain, Role, Tenant, TenantStatus, User
from tenancy.tests.factories import TEST_PASSWORD, UserFactory

REGISTRATION = {
    "company_name": "Gamma Inc", "subdomain": "gamma", "email": "boss@gamma.example",
    "password": "a-long-enough-password", "first_name": "Gina", "last_name": "Boss",
}


def login(api, host, email, password=TEST_PASSWORD):
    return api(host=host).post("/api/auth/login/", {"email": email, "password": password})


# --- registration -----------------------------------------------------------------------------


def test_register_creates_pending_tenant_domain_and_admin(api, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api().post("/api/auth/register/", REGISTRATION)
    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    tenant = Tenant.objects.get(slug="gamma")
    assert tenant.status == "PENDING"
    assert list(tenant.domains.values_list("host", "is_primary")) == [("gamma.localhost", True)]
    admin = User.objects.get(email=REGISTRATION["email"])
    assert admin.role == "TENANT_ADMIN" and admin.tenant == tenant
    assert tenant.settings.legal_name == "Gamma Inc"
    assert [message.to for message in mail.outbox] == [[REGISTRATION["email"]]]


@pytest.mark.parametrize("subdomain, code", [
    ("www", "subdomain_reserved"),
    ("admin", "subdomain_reserved"),
    ("api", "subdomain_reserved"),
    ("Bad_Name", "subdomain_invalid"),
    ("-edge", "subdomain_invalid"),
    ("ab", "subdomain_invalid"),
    ("a" * 64, "subdomain_invalid"),
    ("alpha", "subdomain_taken"),
])
def test_register_refuses_bad_subdomains(api, tenant, subdomain, code):
    response = api().post("/api/auth/register/", {**REGISTRATION, "subdomain": subdomain})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "subdomain" in response.json()["fields"]
    assert not User.objects.filter(email=REGISTRATION["email"]).exists()


def test_register_with_a_taken_email_answers_like_a_new_one_and_tells_the_owner(
        api, tenant_admin, django_capture_on_commit_callbacks):
    fresh = api().post("/api/auth/register/", {**REGISTRATION, "subdomain": "delta", "email": "new@delta.example"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        taken = api().post("/api/auth/register/", {**REGISTRATION, "email": tenant_admin.email.upper()})
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()) == (202, fresh.json())
    assert not Tenant.objects.filter(slug="gamma").exists()
    assert [message.to for message in mail.outbox] == [[tenant_admin.email]]
    assert "already has an account" in mail.outbox[0].body


def test_register_checks_the_password_before_the_email(api, tenant_admin):
    for email in (tenant_admin.email, "unknown@gamma.example"):
        response = api().post("/api/auth/register/", {**REGISTRATION, "email": email, "password": "12345678"})
        assert response.status_code == 400 and response.json()["code"] == "password_too_weak"


def test_register_refuses_weak_password(api, db):
    response = api().post("/api/auth/register/", {**REGISTRATION, "password": "12345678"})
    assert response.status_code == 400
    assert response.json()["code"] == "password_too_weak"
    assert not Tenant.objects.exists() and not Domain.objects.exists()


def test_register_refuses_mass_assignment(api, db):
    response = api().post("/api/auth/register/", {**REGISTRATION, "status": "ACTIVE", "role": "SUPER_ADMIN"})
    assert response.status_code == 400
    assert response.json()["code"] == "read_only_field"
    assert set(response.json()["fields"]) == {"status", "role"}
    assert not Tenant.objects.exists()


def test_register_missing_fields(api, db):
    response = api().post("/api/auth/register/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert {"company_name", "subdomain", "email", "password"} <= set(response.json()["fields"])


# --- login ---------------------------------------------------------------------------------------


def test_login_on_own_host_returns_tenant_bound_tokens(api, tenant_admin):
    response = login(api, "alpha.localhost", tenant_admin.email)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == tenant_admin.email
    access = AccessToken(body["access"])
    assert access["tenant_id"] == tenant_admin.tenant_id and access["role"] == "TENANT_ADMIN"


def test_login_on_platform_host_works(api, tenant_admin):
    assert login(api, "localhost", tenant_admin.email).status_code == 200


def test_login_on_another_tenants_host_is_refused_like_a_wrong_password(api, tenant_admin, other_tenant):
    wrong_host = login(api, "beta.localhost", tenant_admin.email)
    wrong_password = login(api, "alpha.localhost", tenant_admin.email, "not-the-password")
    assert wrong_host.status_code == wrong_password.status_code == 400
    assert wrong_host.json() == wrong_password.json()
    assert wrong_host.json()["code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(api, member):
    member.is_active = False
    member.save()
    assert login(api, "alpha.localhost", member.email).status_code == 400


def test_repeated_failures_lock_the_account_ip_pair(api, tenant_admin, settings):
    settings.AXES_FAILURE_LIMIT = 3
    codes = [login(api, "alpha.localhost", tenant_admin.email, "wrong").status_code for _ in range(3)]
    assert codes[:2] == [400, 400]
    assert codes[2] == 429
    locked = login(api, "alpha.localhost", tenant_admin.email)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "account_locked"


def test_login_is_throttled(api, tenant_admin, settings):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "login": "2/min"}
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [login(api, "alpha.localhost", tenant_admin.email).status_code for _ in range(3)]
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 429]


# --- tokens --------------------------------------------------------------------------------------


def test_token_of_one_tenant_is_401_on_another_tenants_host(api, tenant_admin, other_tenant):
    response = api(tenant_admin, host="beta.localhost").get("/api/auth/profile/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_tenant_mismatch"
    assert "admin@alpha.example" not in response.content.decode()


def test_refresh_rotates_and_the_old_refresh_is_dead(api, tenant_admin, token_pair):
    _, refresh = token_pair(tenant_admin)
    client = api(host="alpha.localhost")
    first = client.post("/api/auth/token/refresh/", {"refresh": refresh})
    assert first.status_code == 200
    assert first.json()["refresh"] != refresh
    again = client.post("/api/auth/token/refresh/", {"refresh": refresh})
    assert again.status_code == 401
    assert client.post("/api/auth/token/refresh/", {"refresh": first.json()["refresh"]}).status_code == 200


def test_refresh_on_another_tenants_host_is_401(api, tenant_admin, other_tenant, token_pair):
    _, refresh = token_pair(tenant_admin)
    response = api(host="beta.localhost").post("/api/auth/token/refresh/", {"refresh": refresh})
    assert response.status_code == 401


def test_logout_blacklists_the_refresh_token(api, tenant_admin, token_pair):
    _, refresh = token_pair(tenant_admin)
    client = api(tenant_admin)
    assert client.post("/api/auth/logout/", {"refresh": refresh}).status_code == 200
    response = client.post("/api/auth/token/refresh/", {"refresh": refresh})
    assert response.status_code == 401
    again = api(host="alpha.localhost").post("/api/auth/logout/", {"refresh": refresh})
    assert again.status_code == 400 and again.json()["code"] == "token_not_valid"
    # The access token sent with the logout is refused too, long before it expires.
    revoked = client.get("/api/auth/profile/")
    assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked"


def test_password_change_kills_other_tokens_and_returns_a_fresh_pair(api, tenant_admin, token_pair):
    other_access, other_refresh = token_pair(tenant_admin)
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        client = api(tenant_admin)
        response = client.post("/api/auth/change-password/", {
            "old_password": TEST_PASSWORD, "new_password1": "brand-new-secret-99",
            "new_password2": "brand-new-secret-99"})
        assert response.status_code == 200, response.json()
        fresh = response.json()
        refresh_client = api(host="alpha.localhost")
        assert refresh_client.post("/api/auth/token/refresh/", {"refresh": other_refresh}).status_code == 401
        old = api(host="alpha.localhost")
        old.credentials(HTTP_AUTHORIZATION=f"Bearer {other_access}")
        assert old.get("/api/auth/profile/").status_code == 401
        new = api(host="alpha.localhost")
        new.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh['access']}")
        assert new.get("/api/auth/profile/").status_code == 200
        assert refresh_client.post("/api/auth/token/refresh/", {"refresh": fresh["refresh"]}).status_code == 200
    tenant_admin.refresh_from_db()
    assert tenant_admin.check_password("brand-new-secret-99")


def test_password_change_needs_the_old_password(api, tenant_admin):
    response = api(tenant_admin).post("/api/auth/change-password/", {
        "old_password": "wrong", "new_password1": "brand-new-secret-99", "new_password2": "brand-new-secret-99"})
    assert response.status_code == 400
    tenant_admin.refresh_from_db()
    assert tenant_admin.check_password(TEST_PASSWORD)


def test_expired_access_token_is_refused(api, tenant_admin):
    client = api(tenant_admin)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.get("/api/auth/profile/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_token_is_refused(api, tenant_admin, token_pair):
    access, _ = token_pair(tenant_admin)
    header, payload, signature = access.split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")])
    client = api(host="alpha.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert client.get("/api/auth/profile/").status_code == 401


def test_token_with_forged_tenant_claim_is_refused(api, tenant_admin, other_tenant):
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(tenant_admin)
    refresh["tenant_id"] = other_tenant.id
    client = api(host="alpha.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert client.get("/api/auth/profile/").status_code == 401


# --- profile -------------------------------------------------------------------------------------


def test_profile_read_and_update_name(api, member):
    client = api(member)
    assert client.get("/api/auth/profile/").json()["email"] == member.email
    response = client.patch("/api/auth/profile/", {"first_name": "Renamed"})
    assert response.status_code == 200 and response.json()["first_name"] == "Renamed"


@pytest.mark.parametrize("field, value", [
    ("role", "TENANT_ADMIN"), ("tenant", None), ("is_staff", True), ("email", "new@alpha.example"),
    ("is_superuser", True),
])
def test_profile_refuses_privileged_fields(api, member, other_tenant, field, value):
    payload = {field: other_tenant.id if field == "tenant" else value}
    response = api(member).patch("/api/auth/profile/", payload)
    assert response.status_code == 400
    assert response.json()["code"] == "read_only_field"
    fresh = User.objects.get(pk=member.pk)
    assert (fresh.role, fresh.tenant_id, fresh.is_staff, fresh.email, fresh.is_superuser) == (
        Role.MEMBER, member.tenant_id, False, member.email, False)


def test_profile_needs_authentication(api, tenant):
    response = api(host="alpha.localhost").get("/api/auth/profile/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- password reset ------------------------------------------------------------------------------


def test_password_reset_mails_a_link_and_confirm_sets_the_password(api, member, token_pair,
                                                                   django_capture_on_commit_callbacks):
    _, old_refresh = token_pair(member)
    client = api(host="alpha.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/auth/password-reset/", {"email": member.email}).status_code == 200
    body = mail.outbox[-1].body
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", body).groups()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = client.post("/api/auth/password-reset/confirm/", {
            "uid": uid, "token": token, "new_password1": "reset-password-77", "new_password2": "reset-password-77"})
        assert response.status_code == 200, response.json()
        assert client.post("/api/auth/token/refresh/", {"refresh": old_refresh}).status_code == 401
    member.refresh_from_db()
    assert member.check_password("reset-password-77")
    reused = client.post("/api/auth/password-reset/confirm/", {
        "uid": uid, "token": token, "new_password1": "another-pass-88", "new_password2": "another-pass-88"})
    assert reused.status_code == 400


def test_password_reset_for_unknown_email_answers_the_same(api, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api().post("/api/auth/password-reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 200
    assert mail.outbox == []


def test_registered_admin_can_log_in_once_approved(api, super_admin):
    assert api().post("/api/auth/register/", REGISTRATION).status_code == 202
    tenant = Tenant.objects.get(slug="gamma")
    api(super_admin).post(f"/api/tenants/{tenant.id}/approve/")
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert login(api, "gamma.localhost", REGISTRATION["email"], REGISTRATION["password"]).status_code == 200


def test_staff_token_is_accepted_on_platform_host(api, super_admin):
    assert api(super_admin).get("/api/auth/profile/").json()["role"] == "SUPER_ADMIN"


def test_user_factory_password_is_usable(member):
    assert UserFactory._meta.model.objects.get(pk=member.pk).check_password(TEST_PASSWORD)


def test_forged_forwarded_for_does_not_dodge_the_login_throttle(api, tenant_admin):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "login": "2/min"}
    try:
        codes = [api(host="alpha.localhost").post(
            "/api/auth/login/", {"email": tenant_admin.email, "password": TEST_PASSWORD},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(3)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 429]


def test_password_reset_on_a_company_host_reaches_only_that_companys_users(api, member, other_admin,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(host="alpha.localhost").post("/api/auth/password-reset/", {"email": other_admin.email})
    assert response.status_code == 200  # the same answer as for anyone
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        api(host="beta.localhost").post("/api/auth/password-reset/", {"email": other_admin.email})
    assert [m.to for m in mail.outbox] == [[other_admin.email]]


@pytest.mark.parametrize(("subdomain", "available", "code"), [
    ("gamma", True, None),
    ("  Gamma ", True, None),
    ("alpha", False, "subdomain_taken"),
    ("admin", False, "subdomain_reserved"),
    ("-bad-", False, "subdomain_invalid"),
    ("ab", False, "subdomain_invalid"),
    ("", False, "subdomain_invalid"),
])
def test_subdomain_availability_says_why_not(api, tenant, subdomain, available, code):
    response = api().get("/api/auth/subdomain-available/", {"subdomain": subdomain})

    assert response.status_code == 200
    body = response.json()
    assert body["available"] is available
    assert body["code"] == code
    assert body["subdomain"] == subdomain.strip().lower()
    assert (body["detail"] is None) is available


def test_subdomain_availability_is_throttled(api, db):
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = {**ScopedRateThrottle.THROTTLE_RATES, "subdomain_check": "2/min"}
    try:
        client = api()
        statuses = [client.get("/api/auth/subdomain-available/", {"subdomain": "gamma"}).status_code for _ in range(3)]
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert statuses == [200, 200, 429]
