"""Nothing tells who has an account: invitations, registration and reset confirm answer alike."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.models import TenantInvitation

CONFIRM = "/api/auth/password-reset/confirm/"


def _uid(pk) -> str:
    return urlsafe_base64_encode(force_bytes(pk))


def _shape(response) -> tuple:
    body = response.json()
    return response.status_code, set(body), body.get("code"), body.get("detail"), body.get("fields")


def test_inviting_another_companys_user_answers_like_an_unknown_address(api, tenant_admin, other_admin,
                                                                          django_capture_on_commit_callbacks):
    client = api(tenant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/api/tenants/invitations/", {"email": "nobody@else.example", "role": "MEMBER"})
        existing = client.post("/api/tenants/invitations/", {"email": other_admin.email.upper(), "role": "MEMBER"})
    assert unknown.status_code == existing.status_code == 201
    assert set(unknown.json()) == set(existing.json())
    assert existing.json()["email"] == other_admin.email
    assert TenantInvitation.objects.filter(email=other_admin.email, tenant=tenant_admin.tenant).count() == 1
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert "accept-invitation?token=" in by_address["nobody@else.example"]
    # The owner of the existing account learns why it cannot accept; the inviter learns nothing.
    assert "already has an account" in by_address[other_admin.email]
    assert "token=" not in by_address[other_admin.email]


def test_inviting_a_staff_address_answers_like_an_unknown_address(api, tenant_admin, super_admin):
    response = api(tenant_admin).post("/api/tenants/invitations/", {"email": super_admin.email, "role": "MEMBER"})
    assert response.status_code == 201


def test_an_invitation_to_an_existing_account_cannot_be_accepted(api, tenant_admin, other_admin):
    from tenancy.services.members import invitation_create

    _, token = invitation_create(tenant=tenant_admin.tenant, actor=tenant_admin, email=other_admin.email,
                                 role="MEMBER")
    response = api(host="alpha.localhost").post("/api/tenants/invitations/accept/",
                                                {"token": token, "password": "a-long-enough-password"})
    assert response.status_code in (400, 409) and response.json()["code"] == "email_taken"
    other_admin.refresh_from_db()
    assert other_admin.tenant_id != tenant_admin.tenant_id


@pytest.mark.parametrize("token", ["set-password", "bogus-token", ""])
def test_reset_confirm_answers_alike_for_a_real_and_a_missing_uid(api, member, token):
    body = {"new_password1": "reset-password-77", "new_password2": "reset-password-77", "token": token or "x"}
    real = api().post(CONFIRM, {**body, "uid": _uid(member.pk)})
    missing = api().post(CONFIRM, {**body, "uid": _uid(member.pk + 10_000)})
    garbage = api().post(CONFIRM, {**body, "uid": "!!not-base64"})
    assert _shape(real) == _shape(missing) == _shape(garbage)
    assert real.status_code == 400 and real.json()["code"] == "reset_link_invalid"
    member.refresh_from_db()
    assert member.check_password("reset-password-77") is False


def test_reset_confirm_with_a_valid_link_still_works(api, member):
    token = default_token_generator.make_token(member)
    response = api().post(CONFIRM, {"uid": _uid(member.pk), "token": token, "new_password1": "reset-password-77",
                                    "new_password2": "reset-password-77"})
    assert response.status_code == 200 and response.json() == {"detail": "The password has been reset."}
    member.refresh_from_db()
    assert member.check_password("reset-password-77")
