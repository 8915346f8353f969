"""The audit foundation: rows written inside the caller's transaction, with context and a diff."""

import decimal

import pytest
from django.db import transaction

from tenancy import audit
from tenancy.audit import AuditChannel, AuditContext, AuditVerb, audit_context_set, audit_record
from tenancy.models import ActivityLog


def test_a_row_names_actor_verb_object_changes_and_the_request_context(tenant, tenant_admin):
    with audit_context_set(AuditContext(channel=AuditChannel.API, ip_address="203.0.113.9", user_agent="curl")):
        row = audit_record(tenant=tenant, actor=tenant_admin, verb=AuditVerb.TENANT_UPDATED, obj=tenant,
                           changes={"name": ["Old", "New"]})
    row = ActivityLog.objects.get(pk=row.pk)
    assert (row.tenant, row.actor, row.actor_label, row.verb) == (
        tenant, tenant_admin, "admin@alpha.example", "tenant.updated")
    assert row.get_verb_display() == "Company details changed"
    assert (row.object_type, row.object_id, row.object_repr) == ("tenancy.tenant", str(tenant.pk), str(tenant))
    assert row.changes == {"name": ["Old", "New"]}
    assert (row.channel, row.ip_address, row.user_agent) == ("api", "203.0.113.9", "curl")


def test_no_actor_is_the_named_system_actor_on_the_job_channel(tenant):
    row = audit_record(tenant=tenant, actor=None, verb=AuditVerb.SUBSCRIPTION_EXPIRED)
    assert (row.actor, row.actor_label, row.channel, row.ip_address) == (None, audit.SYSTEM_ACTOR, "job", None)
    assert row.actor_display == audit.SYSTEM_ACTOR_LABEL


def test_an_unknown_verb_is_refused(tenant):
    with pytest.raises(ValueError):
        audit_record(tenant=tenant, actor=None, verb="tenant.exploded")
    assert not ActivityLog.objects.exists()


def test_a_rolled_back_action_leaves_no_row(tenant):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(tenant=tenant, actor=None, verb=AuditVerb.TENANT_SUSPENDED, obj=tenant)
        raise RuntimeError("the service failed after writing")
    assert not ActivityLog.objects.exists()


def test_diff_lists_only_changed_fields_as_old_new_json(tenant):
    before = audit.snapshot(tenant, ["name", "status", "approved_by"])
    tenant.name = "Renamed"
    after = audit.snapshot(tenant, ["name", "status", "approved_by"])
    assert audit.diff(before, after) == {"name": ["Alpha Ltd", "Renamed"]}
    assert audit.diff({"amount": decimal.Decimal("1.50")}, {"amount": decimal.Decimal("2.00")}) == {
        "amount": ["1.50", "2.00"]}


def test_the_middleware_sets_the_context_for_one_request_only(client, tenant_admin, rf):
    seen = []
    middleware = audit.AuditContextMiddleware(lambda request: seen.append(audit.audit_context()))
    middleware(rf.get("/admin/", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="198.51.100.1"))
    middleware(rf.get("/api/tasks/"))
    assert seen[0] == AuditContext(channel="admin", ip_address="198.51.100.1", user_agent="Firefox")
    assert seen[1].channel == "api"
    assert audit.audit_context() == AuditContext()
