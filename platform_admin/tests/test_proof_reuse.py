"""A payment proof sent before (same SHA-256, any company) is flagged in the queue, on its page and in the dialog."""

import hashlib

import pytest
from django.urls import reverse

from billing.models import VerificationStatus
from billing.services.payments import payment_submit
from billing.tests.factories import manual_invoice, pdf_upload, submitted_payment
from tenancy.files import minimal_pdf

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


@pytest.fixture
def reused(tenant, other_tenant, tenant_admin, other_admin):
    first = submitted_payment(invoice=manual_invoice(tenant), actor=tenant_admin)
    invoice = manual_invoice(other_tenant)
    second = payment_submit(tenant=other_tenant, actor=other_admin, invoice=invoice, amount=invoice.total,
                            currency="USD", method="BANK_TRANSFER", paid_on=first.paid_on, proof=pdf_upload(),
                            reference="TRX-2")
    return first, second


def test_the_proof_hash_is_stored_and_a_reuse_across_companies_is_recorded(reused):
    first, second = reused
    assert first.proof_sha256 == hashlib.sha256(minimal_pdf("Bank transfer receipt")).hexdigest()
    assert second.proof_sha256 == first.proof_sha256
    assert (first.proof_duplicate_of, second.proof_duplicate_of) == (None, first)


def test_another_file_is_not_flagged(tenant, tenant_admin, reused):
    invoice = manual_invoice(tenant)
    third = payment_submit(tenant=tenant, actor=tenant_admin, invoice=invoice, amount=invoice.total, currency="USD",
                           method="BANK_TRANSFER", paid_on=reused[0].paid_on,
                           proof=pdf_upload(text="Another receipt"), reference="TRX-3")
    assert third.proof_duplicate_of is None and third.proof_sha256 != reused[0].proof_sha256


def test_queue_page_and_verify_dialog_warn(admin_client, finance, reused):
    first, second = reused
    client = admin_client(finance)
    queue = client.get(url("billing_payment_changelist")).content.decode()
    assert queue.count("Reused proof") == 1 and queue.count("First seen") == 1

    page = client.get(url("billing_payment_change", second.pk)).content.decode()
    assert 'id="proof-reused"' in page and f"payment #{first.pk}" in page
    assert 'id="proof-reused"' not in client.get(url("billing_payment_change", first.pk)).content.decode()

    dialog = client.get(url("billing_payment_row_verify", second.pk)).content.decode()
    assert f"identical to the proof of payment #{first.pk}" in dialog
    assert "identical to the proof" not in client.get(url("billing_payment_row_verify", first.pk)).content.decode()

    client.post(url("billing_payment_row_verify", second.pk), {"_form_submitted": "1"})  # not acknowledged
    second.refresh_from_db()
    assert second.verification_status == VerificationStatus.PENDING
    client.post(url("billing_payment_row_verify", second.pk), {"_form_submitted": "1", "verify_reused_proof": "on"})
    second.refresh_from_db()
    assert second.verification_status == VerificationStatus.VERIFIED


def test_bulk_verify_leaves_a_reused_proof_for_its_page(admin_client, finance, reused):
    first, second = reused
    body = {"action": "bulk_verify", "_selected_action": [first.pk, second.pk]}
    page = admin_client(finance).post(url("billing_payment_changelist"), body).content.decode()
    assert "the proof file was sent before" in page  # the confirmation page says why it is skipped
    admin_client(finance).post(url("billing_payment_changelist"), {**body, "apply": "1"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.verification_status, second.verification_status) == (VerificationStatus.VERIFIED,
                                                                        VerificationStatus.PENDING)
