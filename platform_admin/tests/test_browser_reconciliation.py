"""Bank reconciliation in a real browser: the sample statement imported, reviewed, matches confirmed, re-imported."""

import re

import pytest
from django.urls import reverse

from billing.models import BankLineStatus, BankStatementLine, InvoiceStatus, Payment, VerificationStatus
from billing.tests.test_reconciliation import SAMPLE, sample_invoices
from platform_admin.tests.test_browser import Panel, _attached, _wait, browser, downloads  # noqa: F401  (fixtures)
from project.testing import has_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not has_chromium(),
                       reason="needs Debian's chromium and chromium-driver"),
]


def _import(panel, driver):
    from selenium.webdriver.common.by import By

    panel.open(reverse("admin:billing_bankstatementimport_changelist"))
    link = driver.find_element(By.CSS_SELECTOR, 'a[href$="/upload/"]')
    driver.execute_script("arguments[0].click();", link)
    field = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, '#bank-statement-upload input[name="file"]'))[0]
    field.send_keys(str(SAMPLE))
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "#bank-statement-upload button[type=submit]").click()
    _wait(lambda: not _attached(old))
    _wait(lambda: "lines imported" in driver.page_source)


def _labels(page: str, label: str) -> int:
    return len(re.findall(rf">\s*{re.escape(label)}\s*<", page))


def test_finance_reconciles_the_sample_statement(live_server, browser, finance, tenant, other_tenant):  # noqa: F811
    from selenium.webdriver.common.by import By

    first, second, third = sample_invoices(tenant, other_tenant)
    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    panel.login(finance.email)

    _import(panel, browser)
    assert "6 lines imported" in browser.page_source
    page = browser.find_element(By.ID, "result_list").get_attribute("innerHTML")  # the review table
    for label, count in (("Matched", 2), ("Amount mismatch", 1), ("Unknown reference", 1), ("Duplicate line", 1),
                         ("Outgoing (not a payment to us)", 1)):
        assert _labels(page, label) == count, label
    assert "Invoice INV-2026-000003 is 99.00 USD." in page
    panel.screenshot("bank-statement-review.png")

    matched = list(BankStatementLine.objects.filter(status=BankLineStatus.MATCHED).values_list("pk", flat=True))
    assert len(matched) == 2
    old = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script("""
        const ids = arguments[0].map(String);
        document.querySelectorAll('input[name="_selected_action"]').forEach(box => {
            box.checked = ids.includes(box.value);
        });
        const form = document.getElementById('changelist-form');
        form.querySelector('select[name="action"]').value = 'bulk_confirm_lines';
        const go = document.createElement('input');
        go.type = 'hidden'; go.name = 'index'; go.value = '0';
        form.appendChild(go);
        form.submit();
    """, matched)
    _wait(lambda: not _attached(old))
    # Money moves: a confirmation page first, saying how many lines change.
    _wait(lambda: browser.find_elements(By.ID, "bulk-confirm"))
    assert "This changes 2 rows" in browser.find_element(By.ID, "bulk-confirm").text
    assert not Payment.objects.exists()
    browser.find_element(By.ID, "bulk-apply").click()
    _wait(lambda: "2 confirmed" in browser.page_source)

    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
        payment = Payment.objects.get(invoice=invoice)
        assert (payment.method, payment.verification_status, payment.verified_by) == (
            "BANK_TRANSFER", VerificationStatus.VERIFIED, finance)
    third.refresh_from_db()
    assert third.status == InvoiceStatus.ISSUED  # the mismatch waits for a person
    assert set(BankStatementLine.objects.values_list("status", flat=True)) == {
        BankLineStatus.CONFIRMED, BankLineStatus.AMOUNT_MISMATCH, BankLineStatus.UNKNOWN_REFERENCE,
        BankLineStatus.DUPLICATE, BankLineStatus.OUTGOING}

    # The same file again: every line is recognised as already imported.
    _import(panel, browser)
    latest = BankStatementLine.objects.order_by("-statement_id").values_list("statement_id", flat=True).first()
    assert set(BankStatementLine.objects.filter(statement_id=latest).values_list("status", flat=True)) == {
        BankLineStatus.DUPLICATE}
    assert _labels(browser.find_element(By.ID, "result_list").get_attribute("innerHTML"), "Duplicate line") == 6
    assert Payment.objects.count() == 2
