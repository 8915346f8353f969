"""The staff's main jobs in a real browser: headless Chromium against the live server."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from billing.models import VerificationStatus
from tenancy.models import TenantStatus
from tenancy.tests.factories import TEST_PASSWORD, TenantFactory

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                       reason="needs Debian's chromium and chromium-driver"),
]


@pytest.fixture
def downloads():
    path = tempfile.mkdtemp(prefix="admin-downloads-")
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def browser(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,1000"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


class Panel:
    def __init__(self, driver, base: str):
        self.driver, self.base = driver, base

    def open(self, path: str):
        self.driver.get(self.base + path)

    def login(self, email: str):
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.open("/admin/login/?next=/admin/")
        self.driver.find_element(By.NAME, "username").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(TEST_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        _wait(lambda: self.driver.find_elements(By.ID, "dashboard"))

    def run_dialog_action(self, url_part: str, fields: dict | None = None):
        """Click a detail action, fill its dialog and submit it; wait for the page to reload."""
        from selenium.webdriver.common.by import By

        link = self.driver.find_element(By.CSS_SELECTOR, f'a[href$="{url_part}"]')
        self.driver.execute_script("arguments[0].click();", link)
        buttons = "#modal-content button[type=submit]"
        submit = _wait(lambda: [b for b in self.driver.find_elements(By.CSS_SELECTOR, buttons) if b.is_displayed()])
        for name, value in (fields or {}).items():
            self.driver.find_element(By.CSS_SELECTOR, f'#modal-content [name="{name}"]').send_keys(value)
        old = self.driver.find_element(By.TAG_NAME, "html")
        submit[0].click()
        _wait(lambda: not _attached(old))

    def screenshot(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.driver.save_screenshot(str(ARTIFACTS / name))


def _attached(element) -> bool:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        element.tag_name
    except StaleElementReferenceException:
        return False
    return True


def test_finance_verifies_and_support_approves(live_server, browser, downloads, finance, support, pending_payment):
    pending_tenant = TenantFactory(name="NewCo Startup", slug="newco", status=TenantStatus.PENDING)
    base = live_server.url.replace("127.0.0.1", "localhost")
    panel = Panel(browser, base)

    # Finance: the dashboard, the payment page with its proof, verify, the invoice's PDF.
    panel.login(finance.email)
    assert "Payments to verify" in browser.page_source
    panel.screenshot("dashboard.png")
    panel.open(reverse("admin:billing_payment_change", args=[pending_payment.pk]))
    assert "payment-proof" in browser.page_source
    panel.screenshot("payment.png")
    panel.run_dialog_action("/verify/")
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.VERIFIED
    assert "verified" in browser.page_source
    panel.open(reverse("admin:billing_invoice_row_pdf", args=[pending_payment.invoice_id]))
    pdf = _wait(lambda: list(downloads.glob("*.pdf")), timeout=20)[0]
    _wait(lambda: pdf.read_bytes().startswith(b"%PDF"))
    assert pdf.name == f"{pending_payment.invoice.number}.pdf"

    # Support: approve the company awaiting approval.
    panel.login(support.email)
    panel.open(reverse("admin:tenancy_tenant_change", args=[pending_tenant.pk]))
    panel.run_dialog_action("/approve/")
    pending_tenant.refresh_from_db()
    assert pending_tenant.status == TenantStatus.ACTIVE and pending_tenant.approved_by == support
