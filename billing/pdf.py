"""Invoice PDFs, rendered with weasyprint from templates/billing/invoice.html.

Everything printed comes from the invoice row and what was frozen on it at issue time (parties,
payment instructions, footer, zero-tax note, logo), plus, once paid, the payment that settled it.
"""

import base64
import functools
import mimetypes
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from billing.models import ZERO, Invoice, PaymentMethod, VerificationStatus
from billing.periods import period_label


def invoice_pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number or f'draft-{invoice.pk}'}.pdf"


def _logo_data_uri(name: str) -> str:
    """Return the stored logo as a data: URI (PDFs load nothing from outside), or "" if it is gone."""
    if not name:
        return ""
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    content_type = mimetypes.guess_type(name)[0] or "image/png"
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _settlement(invoice: Invoice, status: str) -> dict | None:
    """What paid the invoice: the verified payment, or staff's record of money received another way."""
    if status not in ("PAID", "VOID") or not invoice.paid_at:
        return None
    payment = (invoice.payments.filter(verification_status=VerificationStatus.VERIFIED)
               .order_by("-verified_at", "-id").first())
    if payment is not None:
        return {"paid_on": payment.paid_on, "amount": payment.amount, "method": payment.get_method_display(),
                "reference": payment.reference or "-"}
    return {"paid_on": invoice.paid_at.date() if invoice.paid_at else None, "amount": invoice.total,
            "method": f"{PaymentMethod.OTHER.label} (recorded by staff)", "reference": "-"}


def invoice_context(invoice: Invoice, status: str | None = None) -> dict:
    """The template's context; `status` renders the invoice as it was in that state (the archive's ISSUED copy)."""
    status = status or invoice.status
    details = invoice.issuer_details or {}
    settlement = None if invoice.is_credit_note else _settlement(invoice, status)
    return {
        "invoice": invoice,
        "status": status,
        "lines": list(invoice.lines.all()),
        "title": "Credit note" if invoice.is_credit_note else "Invoice",
        "period": period_label(invoice.period_start, invoice.period_end)
        if invoice.period_start and invoice.period_end else "",
        "details": details,
        "logo": _logo_data_uri(details.get("logo", "")),
        "has_bank_details": any(details.get(key) for key in ("payment_bank_name", "payment_account",
                                                             "payment_bic", "payment_text")),
        "settlement": settlement,
        "balance_due": ZERO if settlement else invoice.total,
        "zero_tax": invoice.tax_rate == ZERO,
    }


def invoice_render_pdf(*, invoice: Invoice, status: str | None = None) -> bytes:
    """Return the invoice as PDF bytes (no remote fonts or images: nothing is fetched).

    Issued invoices are served from their archived copy (services/documents.py), not from here.
    """
    html = render_to_string("billing/invoice.html", invoice_context(invoice, status))
    return _invoice_html_class()(string=html, url_fetcher=_refuse_fetch).write_pdf(font_config=_font_config())


_fonts = threading.local()


def _font_config():
    """This thread's weasyprint FontConfiguration: fonts are looked up and loaded once per thread, not per PDF.

    (Not shared between threads: the Pango font map behind it is not thread-safe.)
    """
    if getattr(_fonts, "config", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _fonts.config = FontConfiguration()
    return _fonts.config


@functools.cache
def _invoice_html_class():
    """weasyprint's HTML with the invoice's own user-agent stylesheet (templates/billing/invoice_ua.css).

    weasyprint matches every element against every rule of its HTML5 user-agent sheet; the invoice needs a
    few dozen of them, and a 200-line invoice spent a third of its style step on the rest.
    """
    from weasyprint import CSS, HTML  # heavy import, only when a PDF is asked for

    sheet = CSS(filename=str(Path(settings.BASE_DIR) / "templates" / "billing" / "invoice_ua.css"))

    class InvoiceHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [sheet]

    return InvoiceHTML


def _refuse_fetch(url, *args, **kwargs):
    if url.startswith("data:"):  # the embedded logo
        from weasyprint import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"invoice PDFs do not load external resources ({url})")
