"""The approval gate: what a PENDING, REJECTED, SUSPENDED or ACTIVE company may use."""

import pytest

from tenancy.models import TenantStatus


def _set_status(tenant, status):
    tenant.status = status
    tenant.save()


# (method, path, payload) -> expected status for each tenant status
CASES = [
    ("get", "/api/auth/profile/", None,
     {"PENDING": 200, "REJECTED": 200, "SUSPENDED": 200, "ACTIVE": 200}),
    ("patch", "/api/auth/profile/", {"first_name": "Al"},
     {"PENDING": 200, "REJECTED": 200, "SUSPENDED": 200, "ACTIVE": 200}),
    ("get", "/api/tenants/{tenant_id}/", None,
     {"PENDING": 200, "REJECTED": 200, "SUSPENDED": 200, "ACTIVE": 200}),
    ("get", "/api/tenants/", None,
     {"PENDING": 200, "REJECTED": 200, "SUSPENDED": 200, "ACTIVE": 200}),
    ("get", "/api/tenants/members/", None,
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved", "SUSPENDED": 200, "ACTIVE": 200}),
    ("patch", "/api/tenants/{tenant_id}/", {"name": "Renamed"},
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved",
      "SUSPENDED": "tenant_suspended", "ACTIVE": 200}),
    ("post", "/api/tenants/invitations/", {"email": "x@alpha.example", "role": "MEMBER"},
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved",
      "SUSPENDED": "tenant_suspended", "ACTIVE": 201}),
    ("patch", "/api/tenants/settings/", {"locale": "de-de"},
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved",
      "SUSPENDED": "tenant_suspended", "ACTIVE": 200}),
    ("get", "/api/notifications/", None,
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved", "SUSPENDED": 200, "ACTIVE": 200}),
    ("get", "/api/activity/", None,
     {"PENDING": "tenant_not_approved", "REJECTED": "tenant_not_approved", "SUSPENDED": 200, "ACTIVE": 200}),
]


@pytest.mark.parametrize("status", ["PENDING", "REJECTED", "SUSPENDED", "ACTIVE"])
@pytest.mark.parametrize("method, path, payload, expected", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
@pytest.mark.parametrize("on_platform_host", [False, True], ids=["tenant-host", "platform-host"])
def test_gate(api, tenant, tenant_admin, status, method, path, payload, expected, on_platform_host):
    _set_status(tenant, getattr(TenantStatus, status))
    client = api(tenant_admin, host="localhost" if on_platform_host else None)
    response = getattr(client, method)(path.format(tenant_id=tenant.id), payload)
    want = expected[status]
    if isinstance(want, int):
        assert response.status_code == want, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == want


def test_login_works_for_a_pending_company(api, tenant, tenant_admin):
    _set_status(tenant, TenantStatus.PENDING)
    response = api(host="alpha.localhost").post(
        "/api/auth/login/", {"email": tenant_admin.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 200


def test_suspended_refusal_changes_nothing(api, tenant, tenant_admin):
    _set_status(tenant, TenantStatus.SUSPENDED)
    api(tenant_admin).patch(f"/api/tenants/{tenant.id}/", {"name": "Renamed"})
    tenant.refresh_from_db()
    assert tenant.name == "Alpha Ltd"
