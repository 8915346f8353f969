"""The company page's inlines (domains, settings) save through the services: validated, audited, refusals
shown on the form with nothing saved."""

import pytest
from django.urls import reverse

from platform_admin.tests.crawl import form_fields
from tenancy.models import ActivityLog, Domain, DomainStatus, TenantSettings

pytestmark = pytest.mark.django_db


def _page(client, tenant):
    url = reverse("admin:tenancy_tenant_change", args=[tenant.pk])
    data = {name: values for name, values in form_fields(client.get(url).content.decode()).items()
            if "__prefix__" not in name}
    return url, data


def _post(client, url, data):
    return client.post(url, {name: value for name, value in data.items() if value != []})


def _add_domain(data, host, *, status="ACTIVE", primary=False):
    index = int(data["domains-TOTAL_FORMS"][0])
    data[f"domains-{index}-host"] = [host]
    data[f"domains-{index}-status"] = [status]
    data[f"domains-{index}-is_primary"] = ["on"] if primary else []
    data["domains-TOTAL_FORMS"] = [str(index + 1)]
    return index


def test_staff_adding_a_domain_writes_the_row_and_an_audit_row(admin_client, super_admin, tenant):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    _add_domain(data, "Shop.Alpha.Example")
    response = _post(client, url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    domain = Domain.objects.get(host="shop.alpha.example")
    assert (domain.tenant, domain.status, domain.is_primary) == (tenant, DomainStatus.ACTIVE, False)
    row = ActivityLog.objects.get(verb="domain.added")
    assert (row.tenant, row.actor, row.object_id) == (tenant, super_admin, str(domain.pk))
    assert row.changes == {"host": [None, "shop.alpha.example"], "status": [None, "ACTIVE"]}


def test_staff_overriding_a_domain_status_is_audited(admin_client, super_admin, tenant):
    pending = Domain.objects.create(tenant=tenant, host="app.alpha.example", status=DomainStatus.PENDING,
                                    verification_token="t")
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    index = next(name.split("-")[1] for name, value in data.items() if value == ["app.alpha.example"])
    data[f"domains-{index}-status"] = ["ACTIVE"]
    assert _post(client, url, data).status_code == 302
    pending.refresh_from_db()
    assert pending.status == DomainStatus.ACTIVE
    row = ActivityLog.objects.get(verb="domain.updated")
    assert (row.actor, row.changes) == (super_admin, {"status": ["PENDING", "ACTIVE"]})


def test_making_another_domain_primary_demotes_the_old_one_in_one_audit_row(admin_client, super_admin, tenant):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    data["domains-0-is_primary"] = []  # untick the old primary and tick the new one in the same save
    _add_domain(data, "www.alpha.example", primary=True)
    assert _post(client, url, data).status_code == 302
    assert list(Domain.objects.filter(tenant=tenant, is_primary=True).values_list("host", flat=True)) == [
        "www.alpha.example"]
    row = ActivityLog.objects.get(verb="domain.added")
    assert row.changes["demoted_primary"] == ["alpha.localhost", None]
    assert not ActivityLog.objects.filter(verb="domain.updated").exists()


@pytest.mark.parametrize(("host", "status", "field"), [
    ("not a host", "ACTIVE", "host"),
    ("beta.localhost", "ACTIVE", "host"),  # another company's subdomain
    ("localhost", "ACTIVE", "host"),  # the platform's
])
def test_a_refused_domain_is_a_form_error_and_nothing_is_saved(admin_client, super_admin, tenant, other_tenant,
                                                                host, status, field):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    index = _add_domain(data, host, status=status)
    data["name"] = ["Renamed meanwhile"]
    response = _post(client, url, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[index].errors
    assert field in errors
    assert Domain.objects.filter(tenant=tenant).count() == 1
    assert not ActivityLog.objects.exists()
    tenant.refresh_from_db()
    assert tenant.name == "Alpha Ltd"


def test_removing_the_primary_domain_is_a_form_error(admin_client, super_admin, tenant):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    data["domains-0-DELETE"] = ["on"]
    response = _post(client, url, data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.forms[0].non_field_errors()
    assert Domain.objects.filter(tenant=tenant).count() == 1 and not ActivityLog.objects.exists()


def test_removing_a_custom_domain_goes_through_the_service(admin_client, super_admin, tenant):
    Domain.objects.create(tenant=tenant, host="old.alpha.example", verification_token="t")
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    index = next(name.split("-")[1] for name, value in data.items() if value == ["old.alpha.example"])
    data[f"domains-{index}-DELETE"] = ["on"]
    assert _post(client, url, data).status_code == 302
    assert not Domain.objects.filter(host="old.alpha.example").exists()
    assert ActivityLog.objects.get(verb="domain.removed").changes == {"host": ["old.alpha.example", None]}


def test_staff_changing_settings_writes_an_audit_row(admin_client, super_admin, tenant):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    data["settings-0-legal_name"] = ["Alpha Limited"]
    data["settings-0-timezone"] = ["Europe/Berlin"]
    assert _post(client, url, data).status_code == 302
    settings = TenantSettings.objects.get(tenant=tenant)
    assert (settings.legal_name, settings.timezone) == ("Alpha Limited", "Europe/Berlin")
    row = ActivityLog.objects.get(verb="tenant.settings_updated")
    assert (row.actor, row.changes) == (super_admin, {"legal_name": ["Alpha Ltd", "Alpha Limited"],
                                                      "timezone": ["UTC", "Europe/Berlin"]})


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Olympus"), ("brand_color", "red")])
def test_refused_settings_are_form_errors_and_nothing_is_saved(admin_client, super_admin, tenant, field, value):
    client = admin_client(super_admin)
    url, data = _page(client, tenant)
    data[f"settings-0-{field}"] = [value]
    data["settings-0-legal_name"] = ["Changed too"]
    response = _post(client, url, data)
    assert response.status_code == 200
    assert field in response.context["inline_admin_formsets"][1].formset.forms[0].errors
    settings = TenantSettings.objects.get(tenant=tenant)
    assert settings.legal_name == "Alpha Ltd" and getattr(settings, field) != value
    assert not ActivityLog.objects.exists()
