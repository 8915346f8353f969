"""Tenant API: the role matrix, cross-tenant isolation and the rules behind each endpoint."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tenancy.crypto import redacted
from tenancy.models import (
    ActivityLog,
    Notification,
    NotificationPreference,
    Role,
    Tenant,
    TenantInvitation,
    TenantStatus,
    User,
)
from tenancy.services.members import invitation_create
from tenancy.tests.factories import TenantFactory, TenantInvitationFactory, UserFactory

ROLES = ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"]


def client_for(api, role_users, role, tenant):
    user = role_users[role]
    if user is None:
        return api(host="alpha.localhost")
    return api(user)


@pytest.fixture
def invitation(tenant, tenant_admin):
    return invitation_create(tenant=tenant, actor=tenant_admin, email="invitee@alpha.example", role=Role.MEMBER)[0]


@pytest.fixture
def notification(tenant, member):
    return Notification.objects.create(tenant=tenant, recipient=member, type="task_assigned", title="Hello")


# Expected status per role, in the order of ROLES.
MATRIX = [
    ("get", "/api/tenants/", None, [401, 200, 200, 200, 200]),
    ("post", "/api/tenants/", {"name": "Delta", "subdomain": "delta", "contact_email": "d@delta.example"},
     [401, 403, 403, 403, 201]),
    ("get", "/api/tenants/{tenant}/", None, [401, 200, 200, 200, 200]),
    ("patch", "/api/tenants/{tenant}/", {"name": "Alpha Renamed"}, [401, 403, 403, 200, 200]),
    ("post", "/api/tenants/{tenant}/suspend/", {"reason": "Abuse"}, [401, 403, 403, 403, 200]),
    ("post", "/api/tenants/{tenant}/approve/", None, [401, 403, 403, 403, 409]),
    ("post", "/api/tenants/{tenant}/reject/", {"reason": "No"}, [401, 403, 403, 403, 409]),
    ("post", "/api/tenants/{tenant}/reactivate/", None, [401, 403, 403, 403, 409]),
    ("post", "/api/tenants/{tenant}/invite-admin/", {"email": "boss@alpha.example"}, [401, 403, 403, 403, 201]),
    ("get", "/api/tenants/invitations/", None, [401, 403, 403, 200, 403]),
    ("post", "/api/tenants/invitations/", {"email": "new@alpha.example", "role": "MEMBER"},
     [401, 403, 403, 201, 403]),
    ("delete", "/api/tenants/invitations/{invitation}/", None, [401, 403, 403, 204, 403]),
    ("get", "/api/tenants/settings/", None, [401, 200, 200, 200, 403]),
    ("patch", "/api/tenants/settings/", {"locale": "de-de"}, [401, 403, 403, 200, 403]),
    ("get", "/api/tenants/members/", None, [401, 200, 200, 200, 403]),
    ("get", "/api/tenants/members/{member}/", None, [401, 200, 200, 200, 403]),
    ("patch", "/api/tenants/members/{member}/", {"role": "MANAGER"}, [401, 403, 403, 200, 403]),
    ("delete", "/api/tenants/members/{member}/", None, [401, 403, 403, 200, 403]),
    ("get", "/api/activity/", None, [401, 403, 403, 200, 403]),
    ("get", "/api/notifications/", None, [401, 200, 200, 200, 403]),
    ("post", "/api/notifications/mark-all-read/", None, [401, 200, 200, 200, 403]),
    ("get", "/api/notifications/preferences/", None, [401, 200, 200, 200, 403]),
    ("patch", "/api/notifications/preferences/", {"preferences": [{"type": "task_assigned", "email": False}]},
     [401, 200, 200, 200, 403]),
    ("get", "/api/auth/profile/", None, [401, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("method, path, payload, expected", MATRIX, ids=[f"{m[0]} {m[1]}" for m in MATRIX])
def test_role_matrix(api, role_users, tenant, invitation, member, role_index, role, method, path, payload, expected):
    client = client_for(api, role_users, role, tenant)
    url = path.format(tenant=tenant.id, invitation=invitation.id, member=member.id)
    response = getattr(client, method)(url, payload)
    assert response.status_code == expected[role_index], response.content
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "detail", "fields"}


# --- cross-tenant: another tenant's ids are 404, another tenant's host is 401 -------------------------------


@pytest.fixture
def beta_objects(other_tenant, other_admin):
    beta_member = UserFactory(tenant=other_tenant, role=Role.MEMBER)
    invitation = TenantInvitationFactory(tenant=other_tenant, invited_by=other_admin)
    note = Notification.objects.create(tenant=other_tenant, recipient=beta_member, type="task_assigned", title="B")
    return {"tenant": other_tenant, "member": beta_member, "invitation": invitation, "notification": note}


@pytest.mark.parametrize("method, path, payload", [
    ("get", "/api/tenants/{tenant}/", None),
    ("patch", "/api/tenants/{tenant}/", {"name": "Hacked"}),
    ("get", "/api/tenants/members/{member}/", None),
    ("patch", "/api/tenants/members/{member}/", {"role": "TENANT_ADMIN"}),
    ("patch", "/api/tenants/members/{member}/", {"is_active": False}),
    ("delete", "/api/tenants/members/{member}/", None),
    ("delete", "/api/tenants/invitations/{invitation}/", None),
    ("post", "/api/notifications/{notification}/mark-read/", None),
])
def test_other_tenants_objects_are_404(api, tenant_admin, beta_objects, method, path, payload):
    url = path.format(**{k: v.id for k, v in beta_objects.items()})
    response = getattr(api(tenant_admin), method)(url, payload)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    other = beta_objects["tenant"]
    other.refresh_from_db()
    assert other.name == "Beta Ltd"
    beta_member = User.objects.get(pk=beta_objects["member"].pk)
    assert beta_member.role == Role.MEMBER and beta_member.is_active
    assert TenantInvitation.objects.get(pk=beta_objects["invitation"].pk).revoked_at is None


def test_lists_never_show_another_tenants_rows(api, tenant_admin, member, beta_objects):
    client = api(tenant_admin)
    assert [t["id"] for t in client.get("/api/tenants/").json()["results"]] == [tenant_admin.tenant_id]
    emails = {m["email"] for m in client.get("/api/tenants/members/").json()["results"]}
    assert beta_objects["member"].email not in emails and member.email in emails
    assert client.get("/api/tenants/invitations/").json()["count"] == 0
    assert api(member).get("/api/notifications/").json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/tenants/", "/api/tenants/members/", "/api/notifications/",
                                  "/api/auth/profile/", "/api/tenants/settings/"])
def test_token_on_another_tenants_host_is_401(api, tenant_admin, other_tenant, path):
    response = api(tenant_admin, host="beta.localhost").get(path)
    assert response.status_code == 401
    assert "Beta" not in response.content.decode() and "Alpha" not in response.content.decode()


def test_super_admin_sees_all_tenants_and_filters_by_status(api, super_admin, tenant, other_tenant):
    TenantFactory(slug="pendingco", status=TenantStatus.PENDING)
    client = api(super_admin)
    assert client.get("/api/tenants/").json()["count"] == 3
    pending = client.get("/api/tenants/?status=PENDING").json()
    assert [t["slug"] for t in pending["results"]] == ["pendingco"]


# --- tenant lifecycle through the API ------------------------------------------------------------------------


def test_approve_reject_suspend_reactivate_record_who_and_why(api, super_admin, django_capture_on_commit_callbacks):
    pending = TenantFactory(slug="pendingco", status=TenantStatus.PENDING)
    admin = UserFactory(tenant=pending, role=Role.TENANT_ADMIN)
    client = api(super_admin)

    missing_reason = client.post(f"/api/tenants/{pending.id}/reject/", {})
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["fields"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/tenants/{pending.id}/reject/", {"reason": "Incomplete"}).status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.rejected_by, pending.rejection_reason) == (
        TenantStatus.REJECTED, super_admin, "Incomplete")
    assert mail.outbox[-1].to == [admin.email]

    assert client.post(f"/api/tenants/{pending.id}/approve/").status_code == 200
    pending.refresh_from_db()
    assert pending.status == TenantStatus.ACTIVE and pending.approved_by == super_admin

    assert client.post(f"/api/tenants/{pending.id}/suspend/", {"reason": "Fraud check"}).json()["status"] == "SUSPENDED"
    pending.refresh_from_db()
    assert pending.suspended_by == super_admin and pending.suspension_reason == "Fraud check"
    again = client.post(f"/api/tenants/{pending.id}/suspend/", {"reason": "Twice"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    assert client.post(f"/api/tenants/{pending.id}/reactivate/").json()["status"] == "ACTIVE"
    types = list(Notification.objects.filter(recipient=admin).order_by("id").values_list("type", flat=True))
    assert types == ["tenant_rejected", "tenant_approved", "tenant_suspended", "tenant_reactivated"]
    verbs = set(ActivityLog.objects.filter(tenant=pending).values_list("verb", flat=True))
    assert {"tenant.rejected", "tenant.approved", "tenant.suspended", "tenant.reactivated"} <= verbs


def test_staff_creates_an_active_tenant(api, super_admin):
    response = api(super_admin).post("/api/tenants/", {"name": "Delta", "subdomain": "delta",
                                                       "contact_email": "d@delta.example"})
    assert response.status_code == 201
    tenant = Tenant.objects.get(slug="delta")
    assert tenant.status == TenantStatus.ACTIVE and tenant.domains.get().host == "delta.localhost"


def test_tenant_update_refuses_status_and_slug(api, tenant_admin, tenant):
    response = api(tenant_admin).patch(f"/api/tenants/{tenant.id}/", {"status": "ACTIVE", "slug": "x"})
    assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    tenant.refresh_from_db()
    assert tenant.slug == "alpha"


# --- invitations -----------------------------------------------------------------------------------------------


def test_invitation_token_is_single_use_and_stored_hashed(api, tenant_admin, django_capture_on_commit_callbacks):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        api(tenant_admin).post("/api/tenants/invitations/", {"email": "joiner@alpha.example", "role": "MANAGER"})
    token = re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)
    invitation = TenantInvitation.objects.get(email="joiner@alpha.example")
    assert token not in invitation.token_hash
    public = api(host="alpha.localhost")
    first = public.post("/api/tenants/invitations/accept/", {"token": token, "password": "joiner-password-1"})
    assert first.status_code == 201 and first.json()["role"] == "MANAGER"
    second = public.post("/api/tenants/invitations/accept/", {"token": token, "password": "joiner-password-1"})
    assert second.status_code == 400 and second.json()["code"] == "invitation_used"
    assert User.objects.filter(email="joiner@alpha.example").count() == 1


def test_expired_invitation_is_refused(api, tenant, tenant_admin):
    invitation, token = invitation_create(tenant=tenant, actor=tenant_admin, email="late@alpha.example",
                                          role=Role.MEMBER)
    TenantInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = api(host="alpha.localhost").post("/api/tenants/invitations/accept/",
                                                {"token": token, "password": "late-password-11"})
    assert response.status_code == 400 and response.json()["code"] == "invitation_expired"
    assert not User.objects.filter(email="late@alpha.example").exists()


def test_revoked_invitation_is_refused(api, tenant, tenant_admin):
    invitation, token = invitation_create(tenant=tenant, actor=tenant_admin, email="rev@alpha.example",
                                          role=Role.MEMBER)
    assert api(tenant_admin).delete(f"/api/tenants/invitations/{invitation.id}/").status_code == 204
    response = api(host="alpha.localhost").post("/api/tenants/invitations/accept/",
                                                {"token": token, "password": "revoked-password-1"})
    assert response.status_code == 400 and response.json()["code"] == "invitation_revoked"


def test_invitation_accept_on_another_tenants_host_is_404(api, tenant, tenant_admin, other_tenant):
    _, token = invitation_create(tenant=tenant, actor=tenant_admin, email="x@alpha.example", role=Role.MEMBER)
    response = api(host="beta.localhost").post("/api/tenants/invitations/accept/",
                                               {"token": token, "password": "cross-password-1"})
    assert response.status_code == 404
    assert not User.objects.filter(email="x@alpha.example").exists()


def test_unknown_invitation_token_is_404(api, tenant):
    response = api(host="alpha.localhost").post("/api/tenants/invitations/accept/",
                                                {"token": "nope", "password": "whatever-password-1"})
    assert response.status_code == 404 and response.json()["code"] == "invitation_invalid"


def test_weak_password_on_accept_keeps_the_invitation_usable(api, tenant, tenant_admin):
    invitation, token = invitation_create(tenant=tenant, actor=tenant_admin, email="w@alpha.example",
                                          role=Role.MEMBER)
    response = api(host="alpha.localhost").post("/api/tenants/invitations/accept/",
                                                {"token": token, "password": "123"})
    assert response.status_code == 400 and response.json()["code"] == "password_too_weak"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize("payload, code", [
    ({"email": "admin@alpha.example", "role": "MEMBER"}, "already_member"),
    ({"email": "ok@alpha.example", "role": "SUPER_ADMIN"}, "invalid_choice"),
    ({"email": "not-an-email", "role": "MEMBER"}, "invalid"),
    ({"email": "ok@alpha.example", "role": "MEMBER", "tenant": 99}, "read_only_field"),
])
def test_invitation_bad_input(api, tenant_admin, payload, code):
    response = api(tenant_admin).post("/api/tenants/invitations/", payload)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not TenantInvitation.objects.filter(email="ok@alpha.example").exists()


# --- members ---------------------------------------------------------------------------------------------------


def test_manager_cannot_make_itself_tenant_admin(api, manager):
    response = api(manager).patch(f"/api/tenants/members/{manager.id}/", {"role": "TENANT_ADMIN"})
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER


def test_admin_cannot_grant_super_admin(api, tenant_admin, member):
    response = api(tenant_admin).patch(f"/api/tenants/members/{member.id}/", {"role": "SUPER_ADMIN"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.role == Role.MEMBER


def test_member_update_refuses_privileged_fields(api, tenant_admin, member):
    response = api(tenant_admin).patch(f"/api/tenants/members/{member.id}/", {"is_staff": True, "email": "x@y.z"})
    assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    member.refresh_from_db()
    assert not member.is_staff


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(api, tenant_admin):
    client = api(tenant_admin)
    demote = client.patch(f"/api/tenants/members/{tenant_admin.id}/", {"role": "MEMBER"})
    assert demote.status_code == 409 and demote.json()["code"] == "last_tenant_admin"
    deactivate = client.patch(f"/api/tenants/members/{tenant_admin.id}/", {"is_active": False})
    assert deactivate.status_code == 409
    tenant_admin.refresh_from_db()
    assert tenant_admin.role == Role.TENANT_ADMIN and tenant_admin.is_active


def test_an_admin_can_step_down_when_another_remains(api, tenant, tenant_admin):
    UserFactory(tenant=tenant, role=Role.TENANT_ADMIN)
    response = api(tenant_admin).patch(f"/api/tenants/members/{tenant_admin.id}/", {"role": "MANAGER"})
    assert response.status_code == 200 and response.json()["role"] == "MANAGER"


def test_deactivated_member_loses_its_tokens(api, tenant_admin, member, token_pair):
    _, refresh = token_pair(member)
    client = api(member)
    assert api(tenant_admin).patch(f"/api/tenants/members/{member.id}/", {"is_active": False}).status_code == 200
    assert client.get("/api/auth/profile/").status_code == 401
    assert api(host="alpha.localhost").post("/api/auth/token/refresh/", {"refresh": refresh}).status_code == 401


def test_member_list_query_count_is_constant(api, tenant, tenant_admin, django_assert_max_num_queries):
    client = api(tenant_admin)
    client.get("/api/tenants/members/")  # warm the host cache
    UserFactory.create_batch(3, tenant=tenant)
    with django_assert_max_num_queries(3) as few:
        client.get("/api/tenants/members/")
    UserFactory.create_batch(20, tenant=tenant)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/tenants/members/").json()["count"] == 24


# --- settings, activity, notifications -------------------------------------------------------------------------


def test_settings_update_validates_and_logs(api, tenant, tenant_admin):
    client = api(tenant_admin)
    bad = client.patch("/api/tenants/settings/", {"brand_color": "red", "timezone": "Mars/Base"})
    assert bad.status_code == 400 and {"brand_color", "timezone"} <= set(bad.json()["fields"])
    good = client.patch("/api/tenants/settings/", {"timezone": "Europe/Berlin", "tax_id": "DE123"})
    assert good.status_code == 200 and good.json()["timezone"] == "Europe/Berlin"
    log = ActivityLog.objects.get(tenant=tenant, verb="tenant.settings_updated")
    assert log.actor == tenant_admin and log.ip_address == "127.0.0.1"
    assert log.changes["timezone"][1] == "Europe/Berlin" and log.changes["tax_id"] == ["", redacted("DE123")]
    assert log.object_type == "tenancy.tenantsettings"


def test_activity_log_lists_the_tenants_writes_only(api, tenant, tenant_admin, other_admin):
    api(tenant_admin).patch("/api/tenants/settings/", {"locale": "fr-fr"}, HTTP_USER_AGENT="pytest-agent")
    api(other_admin).patch("/api/tenants/settings/", {"locale": "de-de"})
    rows = api(tenant_admin).get("/api/activity/").json()["results"]
    assert [r["verb"] for r in rows] == ["tenant.settings_updated"]
    assert rows[0]["actor"] == {"id": tenant_admin.pk, "display": tenant_admin.email}
    assert rows[0]["user_agent"] == "pytest-agent"


def test_notifications_unread_count_and_marking(api, tenant, member, notification):
    Notification.objects.create(tenant=tenant, recipient=member, type="task_commented", title="Second")
    client = api(member)
    body = client.get("/api/notifications/").json()
    assert body["count"] == 2 and body["unread_count"] == 2
    assert client.post(f"/api/notifications/{notification.id}/mark-read/").json()["is_read"] is True
    assert client.get("/api/notifications/").json()["unread_count"] == 1
    assert client.post("/api/notifications/mark-all-read/").json() == {"marked": 1}
    assert client.get("/api/notifications/").json()["unread_count"] == 0


def test_other_users_notifications_are_404(api, tenant, manager, notification):
    assert api(manager).post(f"/api/notifications/{notification.id}/mark-read/").status_code == 404


def test_preferences_suppress_channels(api, tenant, member, django_capture_on_commit_callbacks):
    from tenancy.services.notifications import notify

    response = api(member).patch("/api/notifications/preferences/", {"preferences": [
        {"type": "task_assigned", "in_app": False, "email": True},
        {"type": "task_commented", "email": False}]})
    assert response.status_code == 200
    rows = {r["type"]: r for r in response.json()}
    assert rows["task_assigned"]["in_app"] is False and rows["task_commented"]["email"] is False
    assert rows["team_invitation"] == {"type": "team_invitation", "label": "Team invitation",
                                       "in_app": True, "email": True}
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant=tenant, recipients=[member], type="task_assigned", title="Assigned")
        notify(tenant=tenant, recipients=[member], type="task_commented", title="Commented")
    assert list(Notification.objects.filter(recipient=member).values_list("type", flat=True)) == ["task_commented"]
    assert [m.subject for m in mail.outbox] == ["[Alpha Ltd] Assigned"]
    assert NotificationPreference.objects.filter(user=member).count() == 2


def test_preferences_refuse_unknown_types(api, member):
    response = api(member).patch("/api/notifications/preferences/", {"preferences": [{"type": "nope"}]})
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_notify_sends_no_email_when_the_transaction_rolls_back(tenant, member, django_capture_on_commit_callbacks):
    from django.db import transaction

    from tenancy.services.notifications import notify

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(tenant=tenant, recipients=[member], type="task_assigned", title="Rolled back")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_notify_never_reaches_another_tenants_user(tenant, other_admin):
    from tenancy.services.notifications import notify

    assert notify(tenant=tenant, recipients=[other_admin], type="task_assigned", title="Leak?") == []
    assert not Notification.objects.exists()
