"""Monthly revenue totals, maintained as invoices are paid (the dashboard reads ~12 rows, not every invoice).

The rule, the same everywhere: an invoice counts when it has `paid_at` and is PAID or VOID (voided after
payment; its credit note, a paid negative invoice, counts in the month it is issued). It counts in its
currency and the calendar month of `paid_at` in settings.TIME_ZONE. Only two writes make an invoice count:
settling it (`settlement.invoice_settle_locked`) and issuing a credit note (`invoices._issue_credit_note`);
both call `revenue_record` in their transaction. `revenue_rebuild` recomputes every row from the invoices
(`manage.py revenue_rebuild`, after data was written around the services, e.g. by bench/billing_data.py).
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from billing.models import ZERO, Invoice, InvoiceStatus, RevenueMonth

COUNTED_STATUSES = (InvoiceStatus.PAID, InvoiceStatus.VOID)


def revenue_invoices() -> QuerySet[Invoice]:
    """The invoices the revenue figures count."""
    return Invoice.objects.filter(paid_at__isnull=False, status__in=COUNTED_STATUSES)


def revenue_month_of(paid_at: datetime.datetime) -> datetime.date:
    """The first day of `paid_at`'s month in the project's time zone (settings.TIME_ZONE)."""
    return timezone.localtime(paid_at, timezone.get_default_timezone()).date().replace(day=1)


def _add(*, currency: str, month: datetime.date, total: Decimal) -> int:
    return RevenueMonth.objects.filter(currency=currency, month=month).update(
        total=F("total") + total, invoice_count=F("invoice_count") + 1)


def revenue_record(invoice: Invoice) -> None:
    """Add a just paid invoice (or credit note) to its month's row, in the caller's transaction.

    Create-or-increment in one statement on MySQL/MariaDB (INSERT ... ON DUPLICATE KEY UPDATE with the
    increments): it takes the row's exclusive lock at once, held to commit, so concurrent settlements of a
    month queue and each adds its own total. (An UPDATE, then an INSERT that hits a concurrent one's new
    row, takes a shared lock first, and two such waiters deadlock asking for the exclusive one.) Elsewhere
    (SQLite serialises writers) an UPDATE with F(), or an INSERT in a savepoint when the month has no row.
    The row is the last lock a settlement takes (after payment -> invoice -> subscription -> tenant).
    """
    if invoice.paid_at is None or invoice.status not in COUNTED_STATUSES:
        raise ValueError(f"Invoice {invoice.pk} is not paid: it adds no revenue.")
    key = {"currency": invoice.currency, "month": revenue_month_of(invoice.paid_at)}
    if connection.vendor == "mysql":
        table = connection.ops.quote_name(RevenueMonth._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (currency, month, total, invoice_count) "  # noqa: S608
                           "VALUES (%s, %s, %s, 1) ON DUPLICATE KEY UPDATE total = total + VALUES(total), "
                           "invoice_count = invoice_count + 1", [key["currency"], key["month"], invoice.total])
        return
    if _add(**key, total=invoice.total):
        return
    try:
        with transaction.atomic():
            RevenueMonth.objects.create(**key, total=invoice.total, invoice_count=1)
    except IntegrityError:  # another transaction created the month's row first
        if not _add(**key, total=invoice.total):
            raise


def revenue_recompute() -> dict[tuple[str, datetime.date], tuple[Decimal, int]]:
    """(currency, month) -> (total, invoice count), summed from the invoices (what the rows must hold).

    Bucketed here with `revenue_month_of`, like `revenue_record`: grouping by month in SQL (TruncMonth) would
    need the database's time zone tables for any TIME_ZONE but UTC. Reads (currency, paid_at, total) from
    invoice_revenue_idx in chunks: about a second per 100,000 paid invoices.
    """
    rows: dict[tuple[str, datetime.date], tuple[Decimal, int]] = {}
    paid = revenue_invoices().order_by().values_list("currency", "paid_at", "total")
    for currency, paid_at, total in paid.iterator(chunk_size=10_000):
        key = (currency, revenue_month_of(paid_at))
        sum_, count = rows.get(key, (ZERO, 0))
        rows[key] = (sum_ + total, count + 1)
    return rows


@transaction.atomic
def revenue_rebuild() -> int:
    """Recompute every month's row from the invoices, replacing them; returns the number of rows.

    The rows are deleted first: that waits for settlements holding a row, so the sum that follows sees
    their invoices; a settlement that reaches its row later queues behind this transaction and then adds
    itself to the rebuilt row.
    """
    RevenueMonth.objects.all().delete()
    rows = revenue_recompute()
    RevenueMonth.objects.bulk_create([
        RevenueMonth(currency=currency, month=month, total=total, invoice_count=count)
        for (currency, month), (total, count) in sorted(rows.items())])
    return len(rows)
