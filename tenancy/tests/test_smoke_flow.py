"""The foundation's story end to end: sign up, approval, login on the subdomain, invitation."""

import re

from django.core import mail

from tenancy.models import Role, Tenant, TenantStatus, User


def test_register_approve_login_invite_accept(api, super_admin, django_capture_on_commit_callbacks):
    response = api().post("/api/auth/register/", {
        "company_name": "Gamma Inc", "subdomain": "gamma", "email": "Boss@Gamma.example",
        "password": "a-long-enough-password", "first_name": "Gina", "last_name": "Boss",
    })
    assert response.status_code == 202, response.json()
    tenant = Tenant.objects.get(slug="gamma")
    assert tenant.status == TenantStatus.PENDING
    assert tenant.domains.get().host == "gamma.localhost"
    boss = User.objects.get(email="boss@gamma.example")
    assert boss.role == Role.TENANT_ADMIN and boss.tenant == tenant

    login = api(host="gamma.localhost").post("/api/auth/login/", {"email": "boss@gamma.example",
                                                                  "password": "a-long-enough-password"})
    assert login.status_code == 200, login.json()
    pending = api(host="gamma.localhost")
    pending.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    refused = pending.get("/api/tenants/members/")
    assert refused.status_code == 403 and refused.json()["code"] == "tenant_not_approved"
    assert pending.get(f"/api/tenants/{tenant.id}/").json()["status"] == "PENDING"

    approved = api(super_admin).post(f"/api/tenants/{tenant.id}/approve/")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "ACTIVE"

    with django_capture_on_commit_callbacks(execute=True):
        invited = pending.post("/api/tenants/invitations/", {"email": "new@gamma.example", "role": "MEMBER"})
    assert invited.status_code == 201, invited.json()
    token = re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)

    accepted = api(host="gamma.localhost").post("/api/tenants/invitations/accept/", {
        "token": token, "password": "another-long-password", "first_name": "Nia"})
    assert accepted.status_code == 201, accepted.json()
    assert User.objects.get(email="new@gamma.example").tenant == tenant
