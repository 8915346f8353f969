"""Change lists of the big tables run a fixed number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import InvoiceStatus, Payment, PaymentMethod, VerificationStatus
from billing.tests.factories import InvoiceFactory, SubscriptionFactory
from tenancy.models import ActivityLog
from tenancy.tests.factories import TenantFactory, UserFactory
from work.tests.factories import TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _grow(kind: str, count: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    for _ in range(count):
        subscription = SubscriptionFactory()
        if kind in ("invoice", "payment"):
            invoice = InvoiceFactory(subscription=subscription, status=InvoiceStatus.ISSUED, with_line=False)
        if kind == "payment":
            Payment.objects.create(tenant=subscription.tenant, invoice=invoice, subscription=subscription,
                                   amount=invoice.total, currency="USD", method=PaymentMethod.CARD,
                                   paid_on=timezone.localdate(), proof=SimpleUploadedFile("p.pdf", b"%PDF"),
                                   proof_content_type="application/pdf",
                                   verification_status=VerificationStatus.PENDING)
        if kind == "user":
            UserFactory(tenant=subscription.tenant)
        if kind == "activity":
            ActivityLog.objects.create(tenant=subscription.tenant, verb="task.created", object_type="task")
        if kind == "tenant":
            TenantFactory()
        if kind in ("team", "task"):
            team = TeamFactory(tenant=subscription.tenant)
        if kind == "task":
            TaskFactory(team=team, assignee=UserFactory(tenant=subscription.tenant),
                        creator=UserFactory(tenant=subscription.tenant))


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("kind,path", [
    ("payment", "admin:billing_payment_changelist"),
    ("invoice", "admin:billing_invoice_changelist"),
    ("subscription", "admin:billing_subscription_changelist"),
    ("tenant", "admin:tenancy_tenant_changelist"),
    ("user", "admin:tenancy_user_changelist"),
    ("activity", "admin:tenancy_activitylog_changelist"),
    ("task", "admin:work_task_changelist"),
    ("team", "admin:work_team_changelist"),
])
def test_changelist_queries_do_not_grow_with_rows(admin_client, super_admin, kind, path):
    client = admin_client(super_admin)
    _grow(kind, 10)
    few = _queries(client, reverse(path))
    _grow(kind, 190)
    many = _queries(client, reverse(path))
    assert few == many, f"{kind}: {few} queries with 10 rows, {many} with 200"


BIG_LISTS = [("tenant", "admin:tenancy_tenant_changelist", "tenancy_tenant"),
             ("payment", "admin:billing_payment_changelist", "billing_payment"),
             ("invoice", "admin:billing_invoice_changelist", "billing_invoice"),
             ("subscription", "admin:billing_subscription_changelist", "billing_subscription"),
             ("user", "admin:tenancy_user_changelist", "tenancy_user"),
             ("activity", "admin:tenancy_activitylog_changelist", "tenancy_activitylog"),
             ("task", "admin:work_task_changelist", "work_task")]


@pytest.mark.parametrize("kind,path,table", BIG_LISTS)
@pytest.mark.parametrize("query", ["", "?q=a"])
def test_no_list_counts_a_whole_table(admin_client, super_admin, kind, path, table, query):
    """The list's own COUNT is bounded by a LIMIT, filtered or not, and no query counts the whole table."""
    _grow(kind, 3)
    client = admin_client(super_admin)
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse(path) + query).status_code == 200
    counts = [q["sql"].upper() for q in context.captured_queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]
    assert [sql for sql in counts if "LIMIT" in sql], "the list counts its rows, at most COUNT_CAP + 1 of them"
    # The sidebar's badges count indexed statuses (a WHERE); nothing counts the whole table.
    assert [sql for sql in counts if "LIMIT" not in sql and "WHERE" not in sql] == []


def test_the_count_stops_at_the_cap(db, monkeypatch):
    from platform_admin import paginator
    from tenancy.models import Tenant

    monkeypatch.setattr(paginator, "COUNT_CAP", 5)
    for _ in range(8):
        TenantFactory()
    # A filtered list stops at "more than 5"; an unfiltered one may show MySQL's table statistics instead.
    assert paginator.LargeTablePaginator(Tenant.objects.filter(pk__gt=0).order_by("pk"), 2).count == 6
    assert paginator.LargeTablePaginator(Tenant.objects.order_by("pk"), 2).count >= 6
    assert paginator.LargeTablePaginator(Tenant.objects.filter(pk__lte=0).order_by("pk"), 2).count == 0
    monkeypatch.setattr(paginator, "COUNT_CAP", 100)
    assert paginator.LargeTablePaginator(Tenant.objects.order_by("pk"), 2).count == 8


def test_the_paginator_uses_table_statistics_only_on_mysql(db):
    from platform_admin.paginator import LargeTablePaginator
    from tenancy.models import Tenant

    TenantFactory()
    assert LargeTablePaginator(Tenant.objects.order_by("pk"), 10).count == 1
