"""Host -> tenant resolution: subdomains, custom domains, platform hosts, caching."""

import pytest
from django.test import RequestFactory

from tenancy.middleware import TenantMiddleware
from tenancy.models import Domain, TenantStatus
from tenancy.resolution import normalize_host


def resolve(host: str, path: str = "/api/auth/profile/"):
    seen = {}

    def view(request):
        seen["tenant"] = request.tenant
        seen["platform"] = request.is_platform_host
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = TenantMiddleware(view)(RequestFactory().get(path, HTTP_HOST=host))
    return response, seen


@pytest.mark.parametrize("raw, expected", [
    ("alpha.localhost", "alpha.localhost"),
    ("ALPHA.LocalHost:8000", "alpha.localhost"),
    ("[::1]:8000", "[::1]"),
    ("custom-domain.com", "custom-domain.com"),
])
def test_normalize_host(raw, expected):
    assert normalize_host(raw) == expected


def test_subdomain_resolves_to_its_tenant(tenant):
    response, seen = resolve("alpha.localhost")
    assert response.status_code == 200
    assert seen["tenant"] == tenant and seen["platform"] is False


def test_custom_domain_resolves(tenant):
    Domain.objects.create(tenant=tenant, host="custom-domain.com")
    _, seen = resolve("custom-domain.com")
    assert seen["tenant"] == tenant


def test_port_and_upper_case_are_ignored(tenant):
    _, seen = resolve("ALPHA.LOCALHOST:8000")
    assert seen["tenant"] == tenant


def test_platform_host_carries_no_tenant(db):
    response, seen = resolve("localhost:8000")
    assert response.status_code == 200
    assert seen["tenant"] is None and seen["platform"] is True


def test_unknown_host_is_404_with_code(db):
    response, seen = resolve("nobody.localhost")
    assert response.status_code == 404
    assert b"unknown_host" in response.content
    assert seen == {}


def test_health_is_served_on_any_host(db, client):
    assert client.get("/health/", HTTP_HOST="10.0.0.7").status_code == 200


def test_warm_resolution_runs_no_query(tenant, django_assert_num_queries):
    resolve("alpha.localhost")
    with django_assert_num_queries(0):
        _, seen = resolve("alpha.localhost")
    assert seen["tenant"] == tenant


def test_unknown_host_is_cached_too(db, django_assert_num_queries):
    resolve("nobody.localhost")
    with django_assert_num_queries(0):
        response, _ = resolve("nobody.localhost")
    assert response.status_code == 404


def test_new_domain_invalidates_the_negative_cache(tenant):
    assert resolve("new.example.com")[0].status_code == 404
    Domain.objects.create(tenant=tenant, host="new.example.com")
    assert resolve("new.example.com")[1]["tenant"] == tenant


def test_domain_change_invalidates_old_and_new_host(tenant):
    domain = Domain.objects.create(tenant=tenant, host="old.example.com")
    assert resolve("old.example.com")[1]["tenant"] == tenant
    domain.host = "renamed.example.com"
    domain.save()
    assert resolve("old.example.com")[0].status_code == 404
    assert resolve("renamed.example.com")[1]["tenant"] == tenant


def test_domain_delete_invalidates(tenant):
    domain = Domain.objects.create(tenant=tenant, host="gone.example.com")
    resolve("gone.example.com")
    domain.delete()
    assert resolve("gone.example.com")[0].status_code == 404


def test_tenant_change_is_seen_at_once(tenant):
    resolve("alpha.localhost")
    tenant.status = TenantStatus.SUSPENDED
    tenant.save()
    assert resolve("alpha.localhost")[1]["tenant"].status == TenantStatus.SUSPENDED
