"""Invoice PDFs, rendered with weasyprint from templates/billing/invoice.html."""

from django.template.loader import render_to_string

from billing.models import Invoice


def invoice_pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number or f'draft-{invoice.pk}'}.pdf"


def invoice_render_pdf(*, invoice: Invoice) -> bytes:
    """Return the invoice as PDF bytes (no remote fonts or images: nothing is fetched)."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    html = render_to_string("billing/invoice.html", {"invoice": invoice, "lines": list(invoice.lines.all())})
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"invoice PDFs do not load external resources ({url})")
