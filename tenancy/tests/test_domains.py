"""Custom domains: added by company admins, verified by a DNS TXT record, resolving only once ACTIVE."""

from datetime import timedelta

import dns.resolver
import pytest
import time_machine
from django.utils import timezone

from tenancy import dns as tenancy_dns
from tenancy.models import ActivityLog, Domain, DomainStatus
from tenancy.services.domains import domains_verify_pending
from tenancy.tasks import verify_pending_domains
from tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"]


class ResolverStub:
    """Stands in for tenancy.dns.txt_records: name -> list of TXT strings, or an exception to raise."""

    def __init__(self):
        self.records: dict = {}
        self.calls: list = []

    def __call__(self, name):
        self.calls.append(name)
        value = self.records.get(name, [])
        if isinstance(value, Exception):
            raise value
        return value


@pytest.fixture
def resolver(monkeypatch):
    stub = ResolverStub()
    monkeypatch.setattr(tenancy_dns, "txt_records", stub)
    return stub


def _add(api, user, host="app.alpha-corp.example"):
    return api(user).post("/api/tenants/domains/", {"host": host}, format="json")


def publish(resolver, body):
    resolver.records[body["verification"]["name"]] = ["v=spf1 -all", body["verification"]["value"]]


def test_an_admin_adds_a_domain_publishes_the_record_and_the_job_activates_it(api, tenant_admin, resolver):
    response = _add(api, tenant_admin, "App.Alpha-Corp.example.")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["host"] == "app.alpha-corp.example" and body["status"] == "PENDING" and body["is_custom"]
    assert body["verification"]["type"] == "TXT"
    assert body["verification"]["name"] == "_saas-verification.app.alpha-corp.example"
    assert body["verification"]["value"].startswith("saas-verification=")
    # Not published yet: the job records why and the host does not resolve.
    assert domains_verify_pending() == {"checked": 1, "verified": 0}
    domain = Domain.objects.get(pk=body["id"])
    assert domain.status == DomainStatus.PENDING and domain.last_error_code == "txt_record_missing"
    assert api(host="app.alpha-corp.example").get("/api/auth/profile/").status_code == 404
    publish(resolver, body)
    assert verify_pending_domains.delay().get() == {"checked": 1, "verified": 1}
    domain.refresh_from_db()
    assert domain.status == DomainStatus.ACTIVE and domain.verified_at and domain.last_error_code == ""
    # Now the company answers on it.
    assert api(tenant_admin, host="app.alpha-corp.example").get("/api/tenants/members/").status_code == 200
    assert ActivityLog.objects.filter(verb="domain.verified", object_id=str(domain.pk), actor=None).exists()


def test_verify_now_reports_a_wrong_value_and_a_dns_outage(api, tenant_admin, resolver):
    body = _add(api, tenant_admin).json()
    resolver.records[body["verification"]["name"]] = ["saas-verification=something-else"]
    response = api(tenant_admin).post(f"/api/tenants/domains/{body['id']}/verify/")
    assert response.status_code == 200
    assert response.json()["status"] == "PENDING" and response.json()["last_error_code"] == "txt_record_mismatch"
    assert response.json()["last_error"]
    resolver.records[body["verification"]["name"]] = tenancy_dns.DnsUnavailable("timeout")
    response = api(tenant_admin).post(f"/api/tenants/domains/{body['id']}/verify/")
    assert response.json()["last_error_code"] == "dns_unavailable"
    publish(resolver, body)
    assert api(tenant_admin).post(f"/api/tenants/domains/{body['id']}/verify/").json()["status"] == "ACTIVE"


def test_a_domain_unverified_for_too_long_fails_and_a_manual_check_can_still_verify_it(api, tenant_admin, resolver,
                                                                                       settings):
    body = _add(api, tenant_admin).json()
    with time_machine.travel(timezone.now() + timedelta(days=settings.DOMAIN_VERIFICATION_DAYS, hours=1)):
        domains_verify_pending()
    domain = Domain.objects.get(pk=body["id"])
    assert domain.status == DomainStatus.FAILED and domain.last_error_code == "verification_expired"
    assert domains_verify_pending() == {"checked": 0, "verified": 0}  # the job leaves it alone
    publish(resolver, body)
    assert api(tenant_admin).post(f"/api/tenants/domains/{body['id']}/verify/").json()["status"] == "ACTIVE"


@pytest.mark.parametrize("host, status, code", [
    ("not a domain", 400, "domain_invalid"),
    ("localhost", 400, "domain_invalid"),
    ("10.0.0.1", 400, "domain_invalid"),
    ("evil.localhost", 400, "domain_reserved"),
    ("a" * 250 + ".com", 400, "max_length"),
    ("a" * 64 + ".example.com", 400, "domain_invalid"),
    ("", 400, "blank"),
])
def test_bad_hosts_are_refused_with_a_code(api, tenant_admin, host, status, code):
    response = _add(api, tenant_admin, host)
    assert response.status_code == status
    assert response.json()["code"] == code or code in str(response.json()["fields"])
    assert Domain.objects.filter(tenant=tenant_admin.tenant).count() == 1


def test_a_host_in_use_is_a_409_and_the_custom_domain_limit_holds(api, tenant_admin, other_admin):
    assert _add(api, other_admin, "shop.beta.example").status_code == 201
    response = _add(api, tenant_admin, "shop.beta.example")
    assert response.status_code == 409 and response.json()["code"] == "domain_taken"
    for n in range(5):
        assert _add(api, tenant_admin, f"d{n}.alpha.example").status_code == 201
    response = _add(api, tenant_admin, "d5.alpha.example")
    assert response.status_code == 409 and response.json()["code"] == "domain_limit"


def test_removal_keeps_the_subdomain(api, tenant, tenant_admin):
    body = _add(api, tenant_admin).json()
    assert api(tenant_admin).delete(f"/api/tenants/domains/{body['id']}/").status_code == 204
    assert not Domain.objects.filter(pk=body["id"]).exists()
    sub = tenant.domains.get(is_primary=True)
    response = api(tenant_admin).delete(f"/api/tenants/domains/{sub.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "domain_not_custom"
    assert response.json()["code"] == "domain_not_custom"
    assert api(tenant_admin).post(f"/api/tenants/domains/{sub.pk}/verify/").json()["status"] == "ACTIVE"


def test_the_domain_list_is_the_companys_only_with_constant_queries(api, tenant_admin, other_admin,
                                                                     django_assert_num_queries):
    _add(api, other_admin, "beta-only.example")
    client = api(tenant_admin)
    _add(api, tenant_admin, "one.alpha.example")
    client.get("/api/tenants/domains/")
    with django_assert_num_queries(3):
        hosts = [d["host"] for d in client.get("/api/tenants/domains/").json()["results"]]
    assert "beta-only.example" not in hosts and "one.alpha.example" in hosts
    for n in range(3):
        _add(api, tenant_admin, f"more{n}.alpha.example")
    with django_assert_num_queries(3):
        client.get("/api/tenants/domains/")


MATRIX = [
    ("get", "/api/tenants/domains/", None, [401, 403, 403, 200, 403]),
    ("post", "/api/tenants/domains/", {"host": "x.alpha.example"}, [401, 403, 403, 201, 403]),
    ("get", "/api/tenants/domains/{domain}/", None, [401, 403, 403, 200, 403]),
    ("post", "/api/tenants/domains/{domain}/verify/", None, [401, 403, 403, 200, 403]),
    ("delete", "/api/tenants/domains/{domain}/", None, [401, 403, 403, 204, 403]),
]


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("method, path, payload, expected", MATRIX, ids=[f"{m[0]} {m[1]}" for m in MATRIX])
def test_role_matrix(api, role_users, tenant, resolver, role_index, role, method, path, payload, expected):
    domain = Domain.objects.create(tenant=tenant, host="pending.alpha.example", status=DomainStatus.PENDING,
                                   verification_token="tok")
    user = role_users[role]
    host = tenant.domains.get(is_primary=True).host
    client = api(host=host) if user is None else api(user, host=host)
    response = getattr(client, method)(path.format(domain=domain.pk), payload, format="json")
    assert response.status_code == expected[role_index], response.content


@pytest.mark.parametrize("method, path", [
    ("get", "/api/tenants/domains/{id}/"), ("post", "/api/tenants/domains/{id}/verify/"),
    ("delete", "/api/tenants/domains/{id}/")])
def test_another_companys_domain_is_a_404(api, tenant_admin, other_tenant, resolver, method, path):
    theirs = Domain.objects.create(tenant=other_tenant, host="theirs.example", status=DomainStatus.PENDING,
                                   verification_token="tok")
    response = getattr(api(tenant_admin), method)(path.format(id=theirs.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == DomainStatus.PENDING and resolver.calls == []


def test_staff_override_in_the_control_panel_activates_without_dns(client, super_admin, tenant, resolver):
    domain = Domain.objects.create(tenant=tenant, host="manual.alpha.example", status=DomainStatus.PENDING,
                                   verification_token="tok")
    client.force_login(super_admin)
    page = client.get(f"/admin/tenancy/tenant/{tenant.pk}/change/").content.decode()
    assert "manual.alpha.example" in page and "Pending verification" in page
    domain.status = DomainStatus.ACTIVE  # what saving the inline with status "Active" does
    domain.save()
    assert api_host_resolves(tenant, "manual.alpha.example")


def api_host_resolves(tenant, host):
    from tenancy.resolution import tenant_for_host

    return tenant_for_host(host) == tenant


def test_the_real_lookup_maps_dns_answers_and_errors(monkeypatch, settings):
    class Record:
        def __init__(self, *parts):
            self.strings = parts

    answers = {"ok.example": [Record(b"saas-verification=", b"abc"), Record(b"other")]}

    def resolve(name, rdtype, lifetime):
        assert rdtype == "TXT" and lifetime == settings.DOMAIN_DNS_TIMEOUT
        if name == "missing.example":
            raise dns.resolver.NXDOMAIN()
        if name == "empty.example":
            raise dns.resolver.NoAnswer()
        if name == "slow.example":
            raise dns.resolver.LifetimeTimeout(timeout=5.0, errors=[])
        return answers[name]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert tenancy_dns.txt_records("ok.example") == ["saas-verification=abc", "other"]
    assert tenancy_dns.txt_records("missing.example") == []
    assert tenancy_dns.txt_records("empty.example") == []
    with pytest.raises(tenancy_dns.DnsUnavailable):
        tenancy_dns.txt_records("slow.example")


def test_a_member_sees_no_domain_details(api, tenant):
    member = UserFactory(tenant=tenant)
    assert api(member).get("/api/tenants/domains/").status_code == 403
