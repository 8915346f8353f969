"""The tenant-scoped API base: fail-closed scoping, activity for every write, constant list queries."""

import pytest

from tenancy.api.base import TenantScopedViewSet
from tenancy.models import ActivityLog, Notification, Role, TenantStatus
from tenancy.services.members import invitation_create
from tenancy.tests.factories import TenantFactory, UserFactory


def test_a_subclass_cannot_override_get_queryset():
    with pytest.raises(TypeError, match="get_tenant_queryset"):
        class Leaky(TenantScopedViewSet):
            def get_queryset(self):
                return Notification.objects.all()


def test_the_tenant_filter_is_applied_after_the_hook(tenant, other_tenant, member, other_admin, rf):
    Notification.objects.create(tenant=tenant, recipient=member, type="task_assigned", title="mine")
    Notification.objects.create(tenant=other_tenant, recipient=other_admin, type="task_assigned", title="theirs")

    class Careless(TenantScopedViewSet):
        queryset = Notification.objects.all()

        def get_tenant_queryset(self, tenant):
            return Notification.objects.all()  # forgets the tenant: the base adds it anyway

    view = Careless()
    view.tenant = tenant
    assert [n.title for n in view.get_queryset()] == ["mine"]


def test_no_tenant_means_nothing_is_found(rf):
    from rest_framework.exceptions import NotFound

    class Scoped(TenantScopedViewSet):
        queryset = Notification.objects.all()

    view = Scoped()
    view.tenant = None
    with pytest.raises(NotFound):
        view.get_queryset()


def test_profile_update_and_password_change_are_in_the_activity_log(api, member):
    api(member).patch("/api/auth/profile/", {"first_name": "Renamed"})
    api(member).post("/api/auth/change-password/", {
        "old_password": "correct-horse-battery-staple", "new_password1": "new-password-2026x",
        "new_password2": "new-password-2026x"})
    verbs = list(ActivityLog.objects.filter(tenant=member.tenant, actor=member).values_list("verb", flat=True))
    assert verbs == ["user.password_changed", "user.profile_updated"]  # newest first
    profile = ActivityLog.objects.get(verb="user.profile_updated")
    assert profile.changes == {"first_name": [member.first_name, "Renamed"]} and profile.channel == "api"
    assert ActivityLog.objects.get(verb="user.password_changed").changes == {"password": ["***", "***"]}


def test_refused_writes_are_not_logged(api, member, tenant):
    api(member).post("/api/tenants/invitations/", {"email": "x@alpha.example", "role": "MEMBER"})
    assert not ActivityLog.objects.exists()


def test_staff_may_act_on_a_pending_company_from_its_host(api, super_admin):
    pending = TenantFactory(slug="waiting", status=TenantStatus.PENDING)
    response = api(super_admin, host="waiting.localhost").post(f"/api/tenants/{pending.id}/approve/")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == TenantStatus.ACTIVE


@pytest.fixture
def grow(tenant, tenant_admin, member):
    """Add n rows to every tenancy list the admin and the member can read."""

    def add(n):
        for i in range(n):
            user = UserFactory(tenant=tenant)
            invitation_create(tenant=tenant, actor=tenant_admin, email=f"grow{user.pk}-{i}@alpha.example",
                              role=Role.MEMBER)
            Notification.objects.create(tenant=tenant, recipient=member, type="task_assigned", title=f"n{i}")
            ActivityLog.objects.create(tenant=tenant, actor=user, verb="test.grow")
            TenantFactory()

    return add


@pytest.mark.parametrize("path, who", [
    ("/api/tenants/members/", "admin"),
    ("/api/tenants/invitations/", "admin"),
    ("/api/activity/", "admin"),
    ("/api/notifications/", "member"),
    ("/api/tenants/", "staff"),
])
def test_list_query_count_does_not_grow(api, tenant_admin, member, super_admin, grow, path, who,
                                        django_assert_num_queries):
    user = {"admin": tenant_admin, "member": member, "staff": super_admin}[who]
    client = api(user)
    grow(2)
    client.get(path)  # warm the host cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    grow(20)
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get(path).json()
    assert body["count"] >= 20
