"""Redis may fail at run time; an unavailable database answers 503 with Retry-After, never 500."""

import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError

from project import cache as resilient
from project.testing import OwnRedis, free_port, has_redis_server
from tenancy import resolution
from tenancy.tests.factories import TEST_PASSWORD

needs_redis = pytest.mark.skipif(not has_redis_server(), reason="needs redis-server")


def _redis_cache(settings, url: str) -> None:
    settings.CACHES = {"default": {
        "BACKEND": "project.cache.ResilientRedisCache", "LOCATION": url,
        "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25, "RETRY_SECONDS": 2.0},
    }}
    resilient.breaker.down_until = 0.0
    resolution.forget_all()


@pytest.fixture
def own_redis():
    redis = OwnRedis().start()
    yield redis
    redis.close()


@needs_redis
def test_a_hung_redis_costs_one_short_timeout_then_nothing(settings, own_redis, db):
    _redis_cache(settings, own_redis.url)
    cache = caches["default"]
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
    own_redis.pause()  # SIGSTOP: connections hang instead of failing
    failures = resilient.cache_failures()
    started = time.monotonic()
    assert cache.get("k", "miss") == "miss"
    assert time.monotonic() - started < 0.8
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("k") is None
        cache.set("k", "w", 30)  # dropped, no error
    assert time.monotonic() - started < 0.1  # the breaker is open: Redis is not asked again
    assert resilient.cache_failures() == failures + 1 and resilient.cache_is_degraded()
    own_redis.resume()
    resilient.breaker.down_until = 0.0  # as if RETRY_SECONDS had passed
    assert cache.get("k") == "v"


@needs_redis
def test_tenant_requests_work_with_redis_killed(settings, own_redis, api, member, tenant):
    _redis_cache(settings, own_redis.url)
    client = api(member)
    assert client.get("/api/auth/profile/").status_code == 200
    own_redis.stop()
    resolution.forget_all()  # a cold process: the host must be resolved from the database
    for _ in range(5):
        started = time.monotonic()
        response = client.get("/api/auth/profile/")
        assert response.status_code == 200, response.content
        assert time.monotonic() - started < 1.0


def test_with_redis_down_login_throttle_degrades_open_and_lockout_still_works(settings, api, tenant_admin):
    _redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    settings.AXES_FAILURE_LIMIT = 3

    def login(password):
        return api(host="alpha.localhost").post("/api/auth/login/", {"email": tenant_admin.email,
                                                                     "password": password})

    assert login(TEST_PASSWORD).status_code == 200  # the throttle cannot count: it lets the login through
    codes = [login("wrong").status_code for _ in range(3)]
    assert codes == [400, 400, 429]  # the lockout counts in the database
    assert login(TEST_PASSWORD).json()["code"] == "account_locked"


def test_a_tenant_change_reaches_other_processes_through_the_version(tenant, settings):
    settings.TENANT_VERSION_CHECK_SECONDS = 0
    assert resolution.tenant_for_host("alpha.localhost").name == "Alpha Ltd"
    type(tenant).objects.filter(pk=tenant.pk).update(name="Renamed")  # no signal: like another process
    assert resolution.tenant_for_host("alpha.localhost").name == "Alpha Ltd"  # served from this process
    resolution.cache.set(resolution.VERSION_KEY, "bumped by another process", None)
    assert resolution.tenant_for_host("alpha.localhost").name == "Renamed"


def test_warm_resolution_asks_redis_at_most_once_per_interval(tenant, settings):
    settings.TENANT_VERSION_CHECK_SECONDS = 60
    resolution.tenant_for_host("alpha.localhost")
    with mock.patch.object(resolution.cache, "get", wraps=resolution.cache.get) as get:
        for _ in range(20):
            assert resolution.tenant_for_host("alpha.localhost") == tenant
    assert get.call_count == 0


def test_resolved_tenant_is_a_private_copy(tenant):
    first = resolution.tenant_for_host("alpha.localhost")
    first.name = "changed in one request"
    assert resolution.tenant_for_host("alpha.localhost").name == "Alpha Ltd"


@pytest.mark.parametrize("path", ["/api/auth/profile/", "/api/tasks/"])
def test_database_down_answers_503_with_retry_after(api, member, path):
    client = api(member)
    client.raise_request_exception = False
    with mock.patch("tenancy.middleware.resolution.tenant_for_host",
                    side_effect=OperationalError(2003, "Can't connect to MySQL server")):
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"code": "service_unavailable", "detail": response.json()["detail"], "fields": {}}


def test_a_database_error_in_a_view_is_503_too(api, member):
    client = api(member)
    client.raise_request_exception = False
    with mock.patch("django.db.models.query.QuerySet.__iter__",
                    side_effect=OperationalError(2013, "Lost connection to MySQL server during query")):
        response = client.get("/api/tasks/")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["code"] == "service_unavailable"


def test_a_programming_error_is_still_a_500(api, member):
    client = api(member)
    client.raise_request_exception = False
    with mock.patch("tenancy.middleware.resolution.tenant_for_host",
                    side_effect=OperationalError(1054, "Unknown column")):
        response = client.get("/api/auth/profile/")
    assert response.status_code == 500 and response.json()["code"] == "server_error"
