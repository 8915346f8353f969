"""Invoice PDF timings for `make bench`: one page vs N pages (lines), fresh objects, nothing saved.

Prints p50/p95 (wall clock) and the median CPU time of rendering a 5-line invoice, a full one-page invoice
(the most lines that still fit on one page) and a 200-line invoice, their page counts, and t(N pages) /
(N x t(one page)) against both one-page invoices (goal <= 1.1). CPU time is the process's own: on a loaded
machine wall-clock time also counts the waits for a core, which weigh more on long renders.
"""

import io
import os
import statistics
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from billing.models import Invoice, InvoiceLine  # noqa: E402
from billing.pdf import invoice_render_pdf  # noqa: E402


def _invoice(lines: int) -> Invoice:
    invoice = Invoice(pk=10**9, number="INV-2026-000001", status="ISSUED", currency="USD",
                      issued_on=timezone.localdate(),
                      due_on=timezone.localdate(), subtotal=Decimal("49.00") * lines, total=Decimal("49.00") * lines,
                      bill_to_name="Bigco", bill_to_address="1 Main St\nSpringfield", issuer_name="SaaS Platform",
                      issuer_address="2 Platform Rd")
    invoice._prefetched_objects_cache = {"lines": [
        InvoiceLine(position=i, description=f"Enterprise plan, seat {i + 1}", quantity=Decimal("1.00"),
                    unit_price=Decimal("49.00"), amount=Decimal("49.00")) for i in range(lines)]}
    return invoice


def _pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _time(lines: int, runs: int) -> tuple[float, float, float, int]:
    """p50 and p95 wall clock, median CPU time, pages."""
    walls, cpus, pages = [], [], 0
    for _ in range(runs):
        invoice = _invoice(lines)
        started, cpu = time.perf_counter(), time.process_time()
        data = invoice_render_pdf(invoice=invoice)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        pages = _pages(data)
    ordered = sorted(walls)
    return (statistics.median(walls), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            statistics.median(cpus), pages)


def _full_page_lines() -> int:
    """The most lines that still render on one page (binary search)."""
    low, high = 5, 60
    while low < high:
        middle = (low + high + 1) // 2
        if _pages(invoice_render_pdf(invoice=_invoice(middle))) == 1:
            low = middle
        else:
            high = middle - 1
    return low


def main() -> None:
    _time(5, 2)  # warm-up: imports, this thread's fonts
    full_lines = _full_page_lines()
    rows = [("5 lines", 5, _time(5, 9)), (f"{full_lines} lines (a full page)", full_lines, _time(full_lines, 7)),
            ("200 lines", 200, _time(200, 5))]
    print("\n## Invoice PDF\n")
    print("| invoice | pages | p50 | p95 | CPU (median) |")
    print("|---|---|---|---|---|")
    for name, _lines, (p50, p95, cpu, pages) in rows:
        print(f"| {name} | {pages} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms | {cpu * 1000:.0f} ms |")
    (small50, small95, small_cpu, _), (full50, _, full_cpu, _), (many50, _, many_cpu, pages) = (r[2] for r in rows)
    print(f"\nt({pages} pages) / ({pages} x one page), goal <= 1.1: against the 5-line invoice "
          f"{many50 / (pages * small50):.2f} (CPU {many_cpu / (pages * small_cpu):.2f}); against the full page "
          f"{many50 / (pages * full50):.2f} (CPU {many_cpu / (pages * full_cpu):.2f}). "
          f"One page p95 {small95 * 1000:.0f} ms (goal <= 500 ms).")


if __name__ == "__main__":
    main()
