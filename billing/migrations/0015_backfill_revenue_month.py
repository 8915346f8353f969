"""Fill RevenueMonth from the invoices already paid (the rule of billing.services.revenue, repeated here with
the historical models, in settings.TIME_ZONE: a migration must not depend on today's code)."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    RevenueMonth = apps.get_model("billing", "RevenueMonth")
    zone = timezone.get_default_timezone()
    rows = {}
    paid = (Invoice.objects.filter(paid_at__isnull=False, status__in=("PAID", "VOID")).order_by()
            .values_list("currency", "paid_at", "total"))
    for currency, paid_at, total in paid.iterator(chunk_size=10_000):
        key = (currency, timezone.localtime(paid_at, zone).date().replace(day=1))
        sum_, count = rows.get(key, (Decimal("0.00"), 0))
        rows[key] = (sum_ + total, count + 1)
    RevenueMonth.objects.all().delete()
    RevenueMonth.objects.bulk_create([
        RevenueMonth(currency=currency, month=month, total=total, invoice_count=count)
        for (currency, month), (total, count) in sorted(rows.items())])


def forget(apps, schema_editor):
    apps.get_model("billing", "RevenueMonth").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0014_revenue_month"),
    ]

    operations = [
        migrations.RunPython(backfill, forget),
    ]
