"""`model_update`: the one allowlist update of the services (only the allowed, changed fields are saved)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.models import TenantStatus
from tenancy.services.common import model_update
from tenancy.tests.factories import TenantFactory


def test_saves_only_the_allowed_fields_that_changed_and_returns_the_diff(db):
    tenant = TenantFactory(name="Acme", contact_name="Ann")
    with CaptureQueriesContext(connection) as queries:
        changed = model_update(tenant, {"name": "Acme Ltd", "contact_name": "Ann", "status": "SUSPENDED"},
                               allowed=("name", "contact_name"), actor=None)
    assert changed == {"name": ["Acme", "Acme Ltd"]}
    [update] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    quote = connection.ops.quote_name
    assert quote("name") in update and quote("updated_at") in update
    assert quote("contact_name") not in update and quote("status") not in update
    tenant.refresh_from_db()
    assert (tenant.name, tenant.status) == ("Acme Ltd", TenantStatus.ACTIVE)


def test_nothing_changed_means_no_query(db):
    tenant = TenantFactory(name="Acme")
    with CaptureQueriesContext(connection) as queries:
        assert model_update(tenant, {"name": "Acme"}, allowed=("name",), actor=None) == {}
    assert queries.captured_queries == []
