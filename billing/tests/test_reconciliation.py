"""Bank-statement import: every kind of line classified, a match confirmed through the payment services."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import BankLineStatus, BankStatementLine, InvoiceStatus, PaymentMethod, VerificationStatus
from billing.services import invoices as invoice_services
from billing.services.reconciliation import bank_line_confirm, bank_statement_import
from tenancy.exceptions import Conflict, ServiceError
from tenancy.models import ActivityLog

pytestmark = pytest.mark.django_db
SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "bank_statement_sample.csv"
S = BankLineStatus


def sample_invoices(tenant, other_tenant):
    """INV-2026-000001 (49.00, Alpha), -000002 (120.00, Beta), -000003 (99.00, Alpha): the sample's references."""
    issue = datetime.date(2026, 11, 10)
    made = []
    for owner, amount in ((tenant, "49.00"), (other_tenant, "120.00"), (tenant, "99.00")):
        draft = invoice_services.invoice_create(tenant=owner, actor=None,
                                                lines=[{"description": "Subscription", "unit_price": amount}])
        made.append(invoice_services.invoice_issue(tenant=owner, actor=None, invoice=draft, issued_on=issue))
    assert [i.number for i in made] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    return made


def upload(data: bytes | None = None, name: str = "statement.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE.read_bytes() if data is None else data, content_type="text/csv")


def test_the_sample_statement_is_classified_line_by_line(tenant, other_tenant, super_admin):
    first, second, third = sample_invoices(tenant, other_tenant)
    statement = bank_statement_import(actor=super_admin, file=upload())
    lines = list(statement.lines.order_by("position").values_list("position", "status", "invoice", "tenant"))
    assert lines == [
        (2, S.MATCHED, first.pk, tenant.pk),
        (3, S.MATCHED, second.pk, other_tenant.pk),
        (4, S.AMOUNT_MISMATCH, third.pk, tenant.pk),  # 100.00 sent for 99.00; "inv 2026 000003" is recognised
        (5, S.UNKNOWN_REFERENCE, None, None),
        (6, S.DUPLICATE, None, None),  # the same line twice in the file
        (7, S.OUTGOING, None, None),
    ]
    assert statement.line_count == 6
    assert ActivityLog.objects.filter(verb="bank_statement.imported", actor=super_admin).count() == 1

    # Confirming a match pays the invoice through the same services as a proof.
    line = statement.lines.get(position=2)
    bank_line_confirm(actor=super_admin, line=line)
    line.refresh_from_db()
    first.refresh_from_db()
    assert line.status == S.CONFIRMED and first.status == InvoiceStatus.PAID
    payment = line.payment
    assert (payment.method, payment.amount, payment.verification_status, payment.verified_by) == (
        PaymentMethod.BANK_TRANSFER, Decimal("49.00"), VerificationStatus.VERIFIED, super_admin)
    assert payment.paid_on == datetime.date(2026, 11, 20) and payment.tenant == tenant
    assert ActivityLog.objects.filter(verb="bank_statement.line_confirmed", tenant=tenant).count() == 1
    with pytest.raises(Conflict) as refused:
        bank_line_confirm(actor=super_admin, line=line)  # twice: one payment
    assert refused.value.code == "bank_line_not_matched"
    with pytest.raises(Conflict):
        bank_line_confirm(actor=super_admin, line=statement.lines.get(position=4))

    # Importing the same statement again recognises every line.
    again = bank_statement_import(actor=super_admin, file=upload())
    assert set(again.lines.values_list("status", flat=True)) == {S.DUPLICATE}
    assert again.lines.count() == 6


@pytest.mark.parametrize(("data", "code"), [
    (b"Date;Sum\n2026-01-01;1\n", "bank_columns_missing"),
    (b"Booking date,Amount,Currency,Reference,Counterparty\n2026-13-01,1.00,USD,x,y\n", "bank_line_invalid"),
    (b"Booking date,Amount,Currency,Reference,Counterparty\n2026-01-01,abc,USD,x,y\n", "bank_line_invalid"),
    (b"Booking date,Amount,Currency,Reference,Counterparty\n2026-01-01,1.00,US1,x,y\n", "bank_line_invalid"),
    (b"Booking date,Amount,Currency,Reference,Counterparty\n", "bank_file_empty"),
    ("Booking date,Amount\n".encode("utf-16"), "bank_file_encoding"),
])
def test_bad_files_are_refused_whole(super_admin, data, code):
    with pytest.raises(ServiceError) as refused:
        bank_statement_import(actor=super_admin, file=upload(data))
    assert refused.value.code == code and refused.value.fields["file"]
    assert not BankStatementLine.objects.exists()


def test_a_custom_column_mapping(tenant, other_tenant, super_admin):
    sample_invoices(tenant, other_tenant)
    data = (b"Buchungstag;Betrag;Verwendungszweck;Auftraggeber\n"
            b"20.11.2026;49,00;RE INV-2026-000001;Alpha Ltd\n")
    statement = bank_statement_import(actor=super_admin, file=upload(data), default_currency="usd", mapping={
        "date": "Buchungstag", "amount": "Betrag", "reference": "Verwendungszweck", "counterparty": "Auftraggeber",
        "currency": "", "delimiter": ";", "date_format": "%d.%m.%Y", "decimal_separator": ","})
    line = statement.lines.get()
    assert (line.status, line.amount, line.currency, line.booked_on) == (
        S.MATCHED, Decimal("49.00"), "USD", datetime.date(2026, 11, 20))
