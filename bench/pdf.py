"""Invoice PDF timings for `make bench`: one page vs N pages (lines), fresh objects, nothing saved.

Prints p50/p95 of rendering a 5-line (1 page) and a 200-line invoice, the page counts, and the ratio
t(N pages) / (N x t(1 page)) (goal <= 1.1).
"""

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


def _time(lines: int, runs: int) -> tuple[float, float, int]:
    import io

    from pypdf import PdfReader

    times, pages = [], 0
    for _ in range(runs):
        invoice = _invoice(lines)
        started = time.perf_counter()
        data = invoice_render_pdf(invoice=invoice)
        times.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(data)).pages)
    ordered = sorted(times)
    return statistics.median(times), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], pages


def main() -> None:
    _time(5, 1)  # warm-up: fonts, imports
    one, one_p95, one_pages = _time(5, 7)
    many, many_p95, pages = _time(200, 5)
    print("\n## Invoice PDF\n")
    print("| invoice | pages | p50 | p95 |")
    print("|---|---|---|---|")
    print(f"| 5 lines | {one_pages} | {one * 1000:.0f} ms | {one_p95 * 1000:.0f} ms |")
    print(f"| 200 lines | {pages} | {many * 1000:.0f} ms | {many_p95 * 1000:.0f} ms |")
    print(f"\nt({pages} pages) = {many / one:.1f} x one page = {many / (pages * one):.2f} x N x one page "
          f"(goal <= 1.1; one page p95 goal <= 500 ms)")


if __name__ == "__main__":
    main()
