"""Companies created by staff get their first admin by invitation; open invitations hold seats."""

import pytest
from django.core import mail

from billing.models import SubscriptionStatus
from billing.tests.factories import PlanFactory, SubscriptionFactory
from tenancy import limits
from tenancy.models import Role, Tenant, TenantInvitation, User
from tenancy.services.members import invitation_accept, invitation_create
from tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat_limit(tenant):
    """The tenant's plan allows 3 users (the policy billing registers is put back afterwards)."""
    saved = list(limits._policy)
    limits.register_policy(lambda t: {"users": 3} if t.pk == tenant.pk else {})
    yield 3
    limits._policy[:] = saved


def test_staff_create_a_company_and_invite_its_first_admin(api, super_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(super_admin).post("/api/tenants/", {
            "name": "Delta", "subdomain": "delta", "contact_email": "office@delta.example",
            "admin_email": "Boss@Delta.example"}, format="json")
    assert response.status_code == 201, response.content
    tenant = Tenant.objects.get(slug="delta")
    invitation = TenantInvitation.objects.get(tenant=tenant)
    assert (invitation.email, invitation.role, invitation.invited_by_id) == (
        "boss@delta.example", Role.TENANT_ADMIN, super_admin.pk)
    assert [m.to for m in mail.outbox] == [["boss@delta.example"]]
    assert "The platform team invited you to join Delta as Company admin" in mail.outbox[0].body
    assert super_admin.email not in mail.outbox[0].body
    token = mail.outbox[0].body.split("token=")[1].split()[0]
    user = invitation_accept(token=token, password="a-long-enough-password-1")
    assert (user.tenant_id, user.role) == (tenant.pk, Role.TENANT_ADMIN)
    # The new admin manages the company (the 403 "Only company admins may do this." is gone).
    assert api(user).get("/api/tenants/invitations/").status_code == 200


def test_an_admin_email_already_taken_creates_nothing(api, super_admin, member):
    response = api(super_admin).post("/api/tenants/", {
        "name": "Delta", "subdomain": "delta", "contact_email": "office@delta.example",
        "admin_email": member.email}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "email_taken"
    assert not Tenant.objects.filter(slug="delta").exists()


def test_staff_invite_an_admin_later(api, super_admin, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(super_admin).post(f"/api/tenants/{tenant.pk}/invite-admin/", {"email": "new@alpha.example"},
                                         format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new@alpha.example" and body["role"] == "TENANT_ADMIN" and body["is_pending"]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("payload, code", [({}, "required"), ({"email": "nope"}, "invalid"),
                                           ({"email": "x@alpha.example", "role": "MEMBER"}, "read_only_field")])
def test_invite_admin_bad_input_is_a_400(api, super_admin, tenant, payload, code):
    response = api(super_admin).post(f"/api/tenants/{tenant.pk}/invite-admin/", payload, format="json")
    assert response.status_code == 400
    assert code in str(response.json()["fields"]) or response.json()["code"] == code
    assert not TenantInvitation.objects.exists()


def test_invite_admin_for_an_unknown_company_is_a_404(api, super_admin):
    response = api(super_admin).post("/api/tenants/987654/invite-admin/", {"email": "a@b.example"}, format="json")
    assert response.status_code == 404


def test_a_tenant_admin_cannot_invite_admins_of_another_company(api, tenant_admin, other_tenant):
    response = api(tenant_admin).post(f"/api/tenants/{other_tenant.pk}/invite-admin/", {"email": "a@b.example"},
                                      format="json")
    assert response.status_code == 403
    assert not TenantInvitation.objects.exists()


def test_open_invitations_count_against_the_user_limit_at_invitation_time(api, tenant, tenant_admin, seat_limit):
    client = api(tenant_admin)
    for n in (1, 2):
        assert client.post("/api/tenants/invitations/", {"email": f"p{n}@alpha.example", "role": "MEMBER"},
                           format="json").status_code == 201
    # 1 member + 2 open invitations = 3 seats: the third invitee is refused now, not at the last step.
    response = client.post("/api/tenants/invitations/", {"email": "p3@alpha.example", "role": "MEMBER"},
                           format="json")
    assert response.status_code == 403 and response.json()["code"] == "plan_limit_reached"
    assert TenantInvitation.objects.filter(tenant=tenant).count() == 2
    # Revoking an invitation frees its seat.
    first = TenantInvitation.objects.get(email="p1@alpha.example")
    assert client.delete(f"/api/tenants/invitations/{first.pk}/").status_code == 204
    assert client.post("/api/tenants/invitations/", {"email": "p3@alpha.example", "role": "MEMBER"},
                       format="json").status_code == 201


def test_accepting_an_invitation_within_the_seats_still_works(tenant, tenant_admin, seat_limit):
    UserFactory(tenant=tenant)  # 2 members
    _invitation, token = invitation_create(tenant=tenant, actor=tenant_admin, email="last@alpha.example",
                                           role=Role.MEMBER)
    user = invitation_accept(token=token, password="a-long-enough-password-1")
    assert User.objects.filter(tenant=tenant, is_active=True).count() == 3 and user.is_active


@pytest.mark.parametrize("status", [SubscriptionStatus.EXPIRED, SubscriptionStatus.CANCELLED])
def test_the_billing_dashboard_shows_the_last_subscription_once_it_ended(api, tenant, tenant_admin, status):
    plan = PlanFactory(code="pro", name="Professional")
    SubscriptionFactory(tenant=tenant, plan=plan, status=status)
    body = api(tenant_admin).get("/api/subscriptions/billing/dashboard/").json()
    assert body["subscription"]["status"] == status
    assert body["subscription"]["plan"]["code"] == "pro" or body["subscription"]["plan"] == plan.pk


def test_the_billing_dashboard_has_no_subscription_before_the_first(api, tenant_admin):
    assert api(tenant_admin).get("/api/subscriptions/billing/dashboard/").json()["subscription"] is None
