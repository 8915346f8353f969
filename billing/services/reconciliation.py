"""Bank-statement reconciliation: import a CSV, match each line to an open invoice, confirm the matches.

A line matches when its reference (or description) contains an open invoice's number and its amount
and currency are exactly the invoice's. Each line is classified once, at import:

- MATCHED: open invoice found, exact amount and currency;
- MISMATCH: open invoice found, another amount or currency;
- UNKNOWN: no invoice number in the text, or no open invoice with it (already paid, voided, unknown);
- DUPLICATE: a line with the same fields (SHA-256 of date, amount, currency, reference, counterparty)
  was imported before, or earlier in the same file;
- OUTGOING: zero or negative amount (money going out is not a customer's payment).

Confirming a MATCHED line records a BANK_TRANSFER payment for the invoice (its proof: the statement
line as a one-page PDF) and verifies it, through `payment_submit` and `payment_verify`, the very
services a proof goes through. The import reads the file in chunks of CHUNK lines with a fixed
number of queries per chunk (known hashes, invoices by number, one bulk insert): see
bench/bank_import.py.
"""

import csv
import datetime
import hashlib
import io
import re
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from billing.models import (
    ZERO,
    BankLineStatus,
    BankStatementImport,
    BankStatementLine,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
)
from billing.services.payments import payment_submit, payment_verify
from tenancy.audit import AuditVerb, audit_record
from tenancy.exceptions import Conflict, ServiceError
from tenancy.files import minimal_pdf
from tenancy.models import User

CHUNK = 1000
MAX_BYTES = 20 * 1024 * 1024
FIELDS = ("date", "amount", "currency", "reference", "counterparty")
REQUIRED = ("date", "amount", "reference")
INVOICE_NUMBER = re.compile(r"\bINV[-\s]?(\d{4})[-\s]?(\d{6})\b", re.IGNORECASE)
DEFAULT_MAPPING = {"date": "Booking date", "amount": "Amount", "currency": "Currency", "reference": "Reference",
                   "counterparty": "Counterparty", "delimiter": ",", "date_format": "%Y-%m-%d",
                   "decimal_separator": "."}


def _invalid(message: str, code: str = "bank_statement_invalid") -> ServiceError:
    return ServiceError(message, code=code, fields={"file": [message]})


def _amount(raw: str, decimal_separator: str) -> Decimal:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    # "1.234,56" with a decimal comma, "1,234.56" with a decimal point: drop the thousands separator.
    text = text.replace(".", "").replace(",", ".") if decimal_separator == "," else text.replace(",", "")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value.quantize(Decimal("0.01"))


def line_hash(*, booked_on: datetime.date, amount: Decimal, currency: str, reference: str, counterparty: str) -> str:
    """The fingerprint of a statement line: its fields, normalised (case and spacing do not count)."""
    normal = "|".join([booked_on.isoformat(), f"{amount:.2f}", currency.upper(),
                       " ".join(reference.split()).casefold(), " ".join(counterparty.split()).casefold()])
    return hashlib.sha256(normal.encode()).hexdigest()


def invoice_number_in(text: str) -> str | None:
    match = INVOICE_NUMBER.search(text or "")
    return f"INV-{match.group(1)}-{match.group(2)}" if match else None


def _rows(data: bytes, mapping: dict, default_currency: str):
    """Yield (position, fields) for every data row, or refuse the whole file with the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid("The file is not UTF-8 text (export the statement as CSV, UTF-8).", "bank_file_encoding")
    reader = csv.DictReader(io.StringIO(text), delimiter=(mapping.get("delimiter") or ",")[:1])
    headers = set(reader.fieldnames or [])
    missing = [mapping[f] for f in REQUIRED if mapping.get(f) not in headers]
    missing += [mapping[f] for f in ("currency", "counterparty") if mapping.get(f) and mapping[f] not in headers]
    if missing:
        raise _invalid(f"Columns not found in the file: {', '.join(missing)}. It has: {', '.join(sorted(headers))}.",
                       "bank_columns_missing")
    for position, row in enumerate(reader, start=2):  # line 1 is the header
        try:
            booked_on = datetime.datetime.strptime((row[mapping["date"]] or "").strip(),
                                                   mapping.get("date_format") or "%Y-%m-%d").date()
            amount = _amount(row[mapping["amount"]] or "", mapping.get("decimal_separator") or ".")
        except (ValueError, InvalidOperation, TypeError):
            raise _invalid(f"Line {position}: the date or the amount cannot be read "
                           f"({row.get(mapping['date'])!r}, {row.get(mapping['amount'])!r}).", "bank_line_invalid")
        currency = ((row.get(mapping.get("currency") or "") or "").strip() or default_currency).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise _invalid(f"Line {position}: {currency!r} is not a currency code.", "bank_line_invalid")
        yield position, {
            "booked_on": booked_on, "amount": amount, "currency": currency,
            "reference": (row.get(mapping["reference"]) or "").strip()[:500],
            "counterparty": (row.get(mapping.get("counterparty") or "") or "").strip()[:200],
        }


def _classify(chunk: list[tuple[int, dict]], statement: BankStatementImport, seen: set[str]) -> list:
    """Build the chunk's lines with two queries: hashes imported before, invoices named in the references."""
    hashes = [line_hash(**fields) for _, fields in chunk]
    known = set(BankStatementLine.objects.filter(line_hash__in=hashes).values_list("line_hash", flat=True))
    numbers = {invoice_number_in(fields["reference"]) for _, fields in chunk} - {None}
    invoices = {invoice.number: invoice for invoice in
                Invoice.objects.filter(number__in=numbers, status=InvoiceStatus.ISSUED).only(
                    "id", "tenant_id", "number", "total", "currency")}
    lines = []
    for (position, fields), digest in zip(chunk, hashes, strict=True):
        line = BankStatementLine(statement=statement, position=position, line_hash=digest, **fields)
        invoice = invoices.get(invoice_number_in(fields["reference"]))
        if digest in known or digest in seen:
            line.status = BankLineStatus.DUPLICATE
            line.note = "Imported before." if digest in known else "The same line earlier in this file."
        elif fields["amount"] <= ZERO:
            line.status = BankLineStatus.OUTGOING
        elif invoice is None:
            line.status = BankLineStatus.UNKNOWN_REFERENCE
            number = invoice_number_in(fields["reference"])
            line.note = f"No open invoice {number}." if number else "No invoice number in the reference."
        elif (fields["amount"], fields["currency"]) != (invoice.total, invoice.currency):
            line.status = BankLineStatus.AMOUNT_MISMATCH
            line.note = f"Invoice {invoice.number} is {invoice.total} {invoice.currency}."
        else:
            line.status = BankLineStatus.MATCHED
        if invoice is not None and line.status in (BankLineStatus.MATCHED, BankLineStatus.AMOUNT_MISMATCH):
            line.invoice_id, line.tenant_id = invoice.pk, invoice.tenant_id
        seen.add(digest)
        lines.append(line)
    return lines


@transaction.atomic
def bank_statement_import(*, actor: User | None, file, mapping: dict | None = None,
                          default_currency: str = "USD") -> BankStatementImport:
    """Read a statement CSV and classify every line for review; nothing is paid until a line is confirmed."""
    mapping = {**DEFAULT_MAPPING, **{k: v for k, v in (mapping or {}).items() if v is not None}}
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _invalid("The file is larger than 20 MB; split the statement.", "bank_file_too_large")
    statement = BankStatementImport.objects.create(
        file_name=(getattr(file, "name", "") or "statement.csv")[:200], file_sha256=hashlib.sha256(data).hexdigest(),
        mapping=mapping, created_by=actor)
    seen: set[str] = set()
    count, chunk = 0, []
    for row in _rows(data, mapping, default_currency.upper()):
        chunk.append(row)
        if len(chunk) == CHUNK:
            count += len(BankStatementLine.objects.bulk_create(_classify(chunk, statement, seen)))
            chunk = []
    if chunk:
        count += len(BankStatementLine.objects.bulk_create(_classify(chunk, statement, seen)))
    if not count:
        raise _invalid("The file has no lines below its header.", "bank_file_empty")
    statement.line_count = count
    statement.save(update_fields=["line_count"])
    audit_record(tenant=None, actor=actor, verb=AuditVerb.BANK_STATEMENT_IMPORTED, obj=statement,
                 changes={"lines": [None, count]})
    return statement


def _statement_proof(line: BankStatementLine) -> SimpleUploadedFile:
    text = (f"Bank statement {line.statement.file_name}, line {line.position}: {line.booked_on} "
            f"{line.amount} {line.currency} {line.reference[:60]} ({line.counterparty[:40]})")
    return SimpleUploadedFile(f"bank-statement-line-{line.pk}.pdf", minimal_pdf(text), content_type="application/pdf")


@transaction.atomic
def bank_line_confirm(*, actor: User, line: BankStatementLine) -> BankStatementLine:
    """Record and verify the BANK_TRANSFER payment of a matched line (the same services as a proof)."""
    line = BankStatementLine.objects.select_for_update().select_related("statement").get(pk=line.pk)
    if line.status != BankLineStatus.MATCHED:
        raise Conflict(f"Only a matched line can be confirmed; this one is {line.get_status_display().lower()}.",
                       code="bank_line_not_matched", fields={"status": [line.status]})
    invoice = Invoice.objects.select_related("tenant").get(pk=line.invoice_id)
    payment = payment_submit(
        tenant=invoice.tenant, actor=actor, invoice=invoice, amount=line.amount, currency=line.currency,
        method=PaymentMethod.BANK_TRANSFER, paid_on=min(line.booked_on, timezone.localdate()),
        proof=_statement_proof(line), reference=(line.reference or f"Statement line {line.position}")[:100])
    payment_verify(tenant=invoice.tenant, actor=actor, payment=payment)
    line.status, line.payment = BankLineStatus.CONFIRMED, payment
    line.save(update_fields=["status", "payment"])
    audit_record(tenant=invoice.tenant, actor=actor, verb=AuditVerb.BANK_LINE_CONFIRMED, obj=invoice,
                 changes={"payment": [None, payment.pk], "statement_line": [None, line.pk]})
    return line
