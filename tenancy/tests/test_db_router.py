"""The primary/replica router: reads to the replica unless a write, a transaction or a recent write pins them."""

import time

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from project import db_router
from tenancy.models import Tenant


@pytest.fixture
def with_replica(settings, monkeypatch):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    monkeypatch.setattr(db_router.monitor, "state", "ok")
    monkeypatch.setattr(db_router.monitor, "checked_at", float("inf"))  # no new check during the test
    return db_router.PrimaryReplicaRouter()


def test_without_a_replica_the_router_stays_out(db):
    assert db_router.PrimaryReplicaRouter().db_for_read(Tenant) is None


def test_reads_go_to_the_replica(with_replica):
    assert with_replica.db_for_read(Tenant) == "replica"
    assert with_replica.db_for_write(Tenant) == "default"


def test_reads_in_a_transaction_stay_on_the_primary(with_replica, transactional_db):
    with transaction.atomic():
        assert with_replica.db_for_read(Tenant) == "default"


def test_migrations_only_on_the_primary(with_replica):
    assert with_replica.allow_migrate("default", "tenancy") is True
    assert with_replica.allow_migrate("replica", "tenancy") is False


def _call(request):
    seen = {}

    def view(req):
        seen["db"] = db_router.PrimaryReplicaRouter().db_for_read(Tenant)
        return HttpResponse("ok")

    response = db_router.ReplicaPinMiddleware(view)(request)
    return response, seen["db"]


def test_a_write_pins_the_client_to_the_primary(with_replica):
    factory = RequestFactory()
    response, db_used = _call(factory.post("/api/x/"))
    assert db_used is None  # the primary
    cookie = response.cookies[db_router.PIN_COOKIE].value
    assert float(cookie) > time.time()
    pinned = factory.get("/api/x/")
    pinned.COOKIES[db_router.PIN_COOKIE] = cookie
    assert _call(pinned)[1] is None
    assert _call(factory.get("/api/x/"))[1] == "replica"


def test_a_replica_that_is_down_or_lagging_is_not_read(with_replica, monkeypatch, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    monitor = db_router.monitor
    monkeypatch.setattr(monitor, "_measure_lag", lambda: (_ for _ in ()).throw(OSError("refused")))
    monitor.check()
    assert monitor.state == "down" and with_replica.db_for_read(Tenant) == "default"
    monkeypatch.setattr(monitor, "_measure_lag", lambda: 30.0)
    monitor.check()
    assert monitor.state == "lagging" and monitor.lag == 30.0
    assert with_replica.db_for_read(Tenant) == "default"
    monkeypatch.setattr(monitor, "_measure_lag", lambda: None)  # replication stopped
    monitor.check()
    assert monitor.state == "lagging"
    monkeypatch.setattr(monitor, "_measure_lag", lambda: 1.0)
    monitor.check()
    assert monitor.state == "ok" and with_replica.db_for_read(Tenant) == "replica"


def test_a_bearer_client_reads_its_own_write_without_the_cookie(with_replica, transactional_db, member, tenant_admin,
                                                                token_pair):
    access, _ = token_pair(member)
    factory = RequestFactory()
    _call(factory.post("/api/x/", HTTP_AUTHORIZATION=f"Bearer {access}"))
    # The next read carries no cookie (API clients drop it), only the token: it reads the primary.
    assert _call(factory.get("/api/x/", HTTP_AUTHORIZATION=f"Bearer {access}"))[1] is None
    other_access, _ = token_pair(tenant_admin)
    assert _call(factory.get("/api/x/", HTTP_AUTHORIZATION=f"Bearer {other_access}"))[1] == "replica"
    assert _call(factory.get("/api/x/"))[1] == "replica"


def test_a_read_that_failed_on_a_dying_replica_is_served_by_the_primary(with_replica):
    seen = []

    def view(request):
        db = db_router.PrimaryReplicaRouter().db_for_read(Tenant)
        seen.append(db)
        if db == "replica":
            request._database_unavailable = True  # what got_request_exception records
            return HttpResponse(status=503)
        return HttpResponse("ok")

    response = db_router.ReplicaPinMiddleware(view)(RequestFactory().get("/api/x/"))
    assert response.status_code == 200
    assert seen == ["replica", None]
    assert db_router.monitor.state == "down"


def test_a_failed_write_is_not_run_twice(with_replica):
    calls = []

    def view(request):
        calls.append(1)
        request._database_unavailable = True
        return HttpResponse(status=503)

    assert db_router.ReplicaPinMiddleware(view)(RequestFactory().post("/api/x/")).status_code == 503
    assert len(calls) == 1
