"""The primary/replica router: reads to the replica unless a write, a transaction or a recent write pins them."""

import time

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from project import db_router
from tenancy.models import Tenant


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
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
