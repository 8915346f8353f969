"""/api/activity/: the same audit rows as the control panel, with verb codes and labels, and filters."""

import datetime

import pytest
from django.utils import timezone

from tenancy.models import ActivityLog
from tenancy.services.tenants import tenant_settings_update

pytestmark = pytest.mark.django_db


def test_rows_carry_verb_code_and_label_actor_object_and_changes(api, tenant, tenant_admin):
    settings_row = tenant_settings_update(tenant=tenant, actor=tenant_admin, locale="fr-fr")
    (row,) = api(tenant_admin).get("/api/activity/").json()["results"]
    assert row["verb"] == "tenant.settings_updated"
    assert row["verb_label"] == "Company settings changed"
    assert row["actor"] == {"id": tenant_admin.pk, "display": tenant_admin.email}
    assert row["object"] == {"type": "tenancy.tenantsettings", "id": str(settings_row.pk),
                             "repr": str(settings_row)}
    assert row["changes"] == {"locale": ["en-us", "fr-fr"]}
    assert row["channel"] == "job"  # called outside a request
    assert "object_repr" not in row and "object_type" not in row


def test_the_system_actor_and_a_user_gone_since_read_as_such(api, tenant, tenant_admin):
    ActivityLog.objects.create(tenant=tenant, actor=None, actor_label="system", verb="subscription.renewed")
    ActivityLog.objects.create(tenant=tenant, actor=None, actor_label="gone@alpha.example", verb="task.created")
    actors = [r["actor"] for r in api(tenant_admin).get("/api/activity/").json()["results"]]
    assert {"id": None, "display": "System"} in actors
    assert {"id": None, "display": "gone@alpha.example"} in actors


def test_filters_by_verb_actor_and_date_range(api, tenant, tenant_admin, manager):
    now = timezone.now()
    old = ActivityLog.objects.create(tenant=tenant, actor=manager, actor_label=manager.email, verb="team.created",
                                     created_at=now - datetime.timedelta(days=10))
    new = ActivityLog.objects.create(tenant=tenant, actor=tenant_admin, actor_label=tenant_admin.email,
                                     verb="task.created", created_at=now)
    client = api(tenant_admin)

    def ids(query):
        response = client.get("/api/activity/", query)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids({}) == [new.pk, old.pk]
    assert ids({"verb": "team.created"}) == [old.pk]
    assert ids({"actor": manager.pk}) == [old.pk]
    cut = (now - datetime.timedelta(days=1)).isoformat()
    assert ids({"created_after": cut}) == [new.pk]
    assert ids({"created_before": cut}) == [old.pk]


@pytest.mark.parametrize("query", [{"verb": "made.up"}, {"created_after": "yesterday"}, {"actor": "1.5"}])
def test_bad_filters_are_a_400_with_a_code(api, tenant_admin, query):
    response = api(tenant_admin).get("/api/activity/", query)
    assert response.status_code == 400
    assert response.json()["code"] and set(query) <= set(response.json()["fields"])


def test_another_companys_rows_and_actors_stay_out(api, tenant, tenant_admin, other_tenant, other_admin):
    tenant_settings_update(tenant=other_tenant, actor=other_admin, locale="de-de")
    client = api(tenant_admin)
    assert client.get("/api/activity/").json()["results"] == []
    assert client.get("/api/activity/", {"actor": other_admin.pk}).json()["results"] == []
