"""Change lists of the big tables run a fixed number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import InvoiceStatus, Payment, PaymentMethod, VerificationStatus
from billing.tests.factories import InvoiceFactory, SubscriptionFactory
from tenancy.models import ActivityLog
from tenancy.tests.factories import TenantFactory, UserFactory

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
])
def test_changelist_queries_do_not_grow_with_rows(admin_client, super_admin, kind, path):
    client = admin_client(super_admin)
    _grow(kind, 10)
    few = _queries(client, reverse(path))
    _grow(kind, 190)
    many = _queries(client, reverse(path))
    assert few == many, f"{kind}: {few} queries with 10 rows, {many} with 200"


def test_unfiltered_list_counts_once_and_filtered_list_does_not_count_the_whole_table(admin_client, super_admin):
    _grow("tenant", 3)
    client = admin_client(super_admin)
    with CaptureQueriesContext(connection) as unfiltered:
        client.get(reverse("admin:tenancy_tenant_changelist"))
    with CaptureQueriesContext(connection) as filtered:
        client.get(reverse("admin:tenancy_tenant_changelist") + "?status__exact=ACTIVE")
    # show_full_result_count = False: the filtered list does not add a COUNT over the whole table.
    whole_counts = [q["sql"] for q in filtered.captured_queries
                    if "COUNT(" in q["sql"].upper() and 'FROM "tenancy_tenant"' in q["sql"] and "WHERE" not in q["sql"]]
    assert whole_counts == []
    assert sum("COUNT(" in q["sql"].upper() for q in unfiltered.captured_queries) >= 1


def test_the_paginator_uses_table_statistics_only_on_mysql(db):
    from platform_admin.paginator import LargeTablePaginator
    from tenancy.models import Tenant

    TenantFactory()
    assert LargeTablePaginator(Tenant.objects.order_by("pk"), 10).count == 1
