"""Benchmark: import a 10,000-line bank statement (goal: under 30 s, a constant number of queries per chunk).

    make bench-bank                      # a throwaway SQLite database under /tmp
    DATABASE_URL=mysql://root@127.0.0.1:3306/bench_bank make bench-bank   # an empty MySQL/MariaDB database

It migrates the database, issues LINES open invoices (bulk inserts, not the services: the import is
what is measured), writes a statement whose lines are 70% exact matches, 10% amount mismatches,
10% unknown references and 10% duplicates, imports it through `bank_statement_import`, and prints
the time and the queries per chunk. It exits 1 if the goal is missed.
"""

import csv
import datetime
import io
import itertools
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

LINES = int(os.environ.get("BENCH_LINES", "10000"))
GOAL_SECONDS = 30.0

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/bench-bank-{os.getpid()}.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("CELERY_BROKER_URL", "")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from billing.models import BankLineStatus, Invoice, InvoiceStatus  # noqa: E402
from billing.services import reconciliation  # noqa: E402
from tenancy.models import Tenant, TenantStatus  # noqa: E402


def _statement(numbers: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Booking date", "Amount", "Currency", "Reference", "Counterparty"])
    day = datetime.date(2026, 11, 1)
    for index in range(LINES):
        number = numbers[index % len(numbers)]
        kind = index % 10
        amount = "49.00" if kind != 1 else "48.00"
        reference = f"Invoice {number}" if kind != 2 else f"Transfer {index}"
        if kind == 3 and index >= 10:  # a copy of a line written before
            writer.writerow([day.isoformat(), "49.00", "USD", f"Invoice {numbers[(index - 3) % len(numbers)]}",
                             f"Customer {index - 3}"])
            continue
        writer.writerow([day.isoformat(), amount, "USD", reference, f"Customer {index}"])
    return out.getvalue().encode()


def main() -> int:
    call_command("migrate", verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(slug="bench-bank", defaults={"name": "Bench Bank",
                                                                           "status": TenantStatus.ACTIVE})
    year = 2026
    numbers = [f"INV-{year}-{900000 + i:06d}" for i in range(LINES)]
    existing = set(Invoice.objects.filter(number__in=numbers).values_list("number", flat=True))
    Invoice.objects.bulk_create([
        Invoice(tenant=tenant, number=n, status=InvoiceStatus.ISSUED, currency="USD", subtotal=Decimal("49.00"),
                total=Decimal("49.00"), issued_on=datetime.date(year, 10, 1), due_on=datetime.date(year, 10, 15))
        for n in numbers if n not in existing], batch_size=2000)
    data = _statement(numbers)

    # The queries between two chunks' classification: the first chunk's lookups, then its insert.
    marks: list[int] = []
    classify = reconciliation._classify

    def counting(chunk, statement, seen):
        marks.append(len(queries.captured_queries))
        return classify(chunk, statement, seen)

    reconciliation._classify = counting
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        statement = reconciliation.bank_statement_import(
            actor=None, file=SimpleUploadedFile("bench.csv", data, content_type="text/csv"))
    elapsed = time.perf_counter() - started
    reconciliation._classify = classify
    per_chunk = [after - before for before, after in itertools.pairwise(marks)]
    counts = {status: statement.lines.filter(status=status).count() for status in BankLineStatus.values}
    print(f"{LINES} lines in {elapsed:.2f} s on {connection.vendor}; {len(queries.captured_queries)} queries in "
          f"all; {len(marks)} chunks of {reconciliation.CHUNK}, queries per chunk: {sorted(set(per_chunk))} "
          "(2 lookups + the insert, in the backend's batches)")
    print("  " + ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    ok = elapsed < GOAL_SECONDS and len(set(per_chunk)) == 1
    print("OK" if ok else f"MISSED: goal {GOAL_SECONDS:.0f} s and the same number of queries for every chunk")
    return 0 if ok else 1


if __name__ == "__main__":
    database = os.environ["DATABASE_URL"]
    try:
        code = main()
    finally:
        if database.startswith("sqlite:///") and "bench-bank-" in database:
            Path(database.removeprefix("sqlite:///")).unlink(missing_ok=True)
    sys.exit(code)
