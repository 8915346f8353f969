"""Shared fixtures: two tenants, a user of each role in each, and API clients bound to a host."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tenancy.models import Role
from tenancy.tests.factories import StaffFactory, TenantFactory, UserFactory

PLATFORM_HOST = "localhost"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Tenant resolution, throttles and lockouts live in the cache: no test may see another's.
    from tenancy import resolution

    cache.clear()
    resolution.forget_all()
    yield
    cache.clear()
    resolution.forget_all()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Alpha Ltd", slug="alpha")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Beta Ltd", slug="beta")


@pytest.fixture
def tenant_admin(tenant):
    return UserFactory(tenant=tenant, role=Role.TENANT_ADMIN, email="admin@alpha.example")


@pytest.fixture
def manager(tenant):
    return UserFactory(tenant=tenant, role=Role.MANAGER, email="manager@alpha.example")


@pytest.fixture
def member(tenant):
    return UserFactory(tenant=tenant, role=Role.MEMBER, email="member@alpha.example")


@pytest.fixture
def other_admin(other_tenant):
    return UserFactory(tenant=other_tenant, role=Role.TENANT_ADMIN, email="admin@beta.example")


@pytest.fixture
def super_admin(db):
    return StaffFactory(email="owner@platform.example")


def host_of(tenant) -> str:
    return tenant.domains.get(is_primary=True).host


def _pair(user):
    from tenancy.api.auth_serializers import TenantTokenObtainPairSerializer

    refresh = TenantTokenObtainPairSerializer.get_token(user)
    return str(refresh.access_token), str(refresh)


@pytest.fixture
def api():
    """Build an API client: api(user=None, host=None); host defaults to the user's tenant host."""

    def build(user=None, host=None) -> APIClient:
        if host is None:
            host = host_of(user.tenant) if user is not None and user.tenant_id else PLATFORM_HOST
        client = APIClient(HTTP_HOST=host)
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {_pair(user)[0]}")
        return client

    return build


@pytest.fixture
def token_pair():
    """token_pair(user) -> (access, refresh) strings carrying the tenant claims."""
    return _pair


@pytest.fixture
def role_users(tenant, tenant_admin, manager, member, super_admin):
    """The role matrix's subjects: None is anonymous."""
    return {
        "anonymous": None,
        "MEMBER": member,
        "MANAGER": manager,
        "TENANT_ADMIN": tenant_admin,
        "SUPER_ADMIN": super_admin,
    }


def pytest_collection_modifyitems(config, items):
    """Skip MariaDB-only tests on SQLite and broker tests when no broker is configured; heavy tests run once, on
    MariaDB (on SQLite too with RUN_HEAVY=1)."""
    import os

    from django.conf import settings

    on_mysql = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
    broker = os.environ.get("TEST_BROKER_URL")
    for item in items:
        if "mariadb" in item.keywords and not on_mysql:
            item.add_marker(pytest.mark.skip(reason="needs MySQL/MariaDB (DATABASE_URL=mysql://...)"))
        if "heavy" in item.keywords and not on_mysql and not os.environ.get("RUN_HEAVY"):
            item.add_marker(pytest.mark.skip(reason="heavy: runs in the MariaDB pass (RUN_HEAVY=1 runs it here)"))
        if "broker" in item.keywords and not broker:
            item.add_marker(pytest.mark.skip(reason="needs a broker (TEST_BROKER_URL=redis://...)"))
