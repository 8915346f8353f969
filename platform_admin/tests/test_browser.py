"""The staff's main jobs in a real browser: headless Chromium against the live server."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from billing.models import VerificationStatus
from project.testing import chromium, has_chromium
from tenancy.models import TenantStatus
from tenancy.tests.factories import TEST_PASSWORD, TenantFactory

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not has_chromium(),
                       reason="needs Debian's chromium and chromium-driver"),
]


@pytest.fixture
def downloads():
    path = tempfile.mkdtemp(prefix="admin-downloads-")
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def browser(downloads):
    with chromium(downloads=downloads, window="1400,1000") as driver:
        yield driver


def _wait(condition, timeout: float = 30.0):
    """Poll `condition` until it holds (generous: a loaded machine is slow, a passing wait returns at once)."""
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


# --- the control panel at 1440x900 and on a 390x844 phone ------------------------------------------------------

DESKTOP, PHONE = (1440, 900), (390, 844)


def _size(driver, size):
    driver.set_window_size(*size)


def _fits_the_screen(driver) -> bool:
    """No horizontal scroll: the page is no wider than the window."""
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def _inside_viewport(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth + 1"
        " && r.bottom <= window.innerHeight + 1;", element)


def _company_with_history(tenant, pending_payment):
    from tenancy.models import ActivityLog

    ActivityLog.objects.create(tenant=tenant, actor=None, actor_label="system", verb="tenant.approved",
                               object_type="tenant", object_id=str(tenant.pk), object_repr=tenant.name)
    return tenant


def test_support_finds_a_company_with_global_search_and_approves_it(live_server, browser, support):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    pending_tenant = TenantFactory(name="NewCo Startup", slug="newco", status=TenantStatus.PENDING)
    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    _size(browser, DESKTOP)
    panel.login(support.email)
    # The keyboard only: Ctrl+K opens the search, typing finds the company, Enter opens it. Each key is pressed
    # once the page's script is ready for it (no fixed sleeps): Alpine has started the search box; the search
    # request has answered and its results are the ones the script moves through.
    command = "Alpine.$data(document.querySelector('[x-data=\"searchCommand()\"]'))"
    _wait(lambda: browser.execute_script(f"return document.readyState === 'complete' && !!window.Alpine && "
                                         f"!!{command}"))
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    field = _wait(lambda: [f for f in browser.find_elements(By.ID, "search-input-command") if f.is_displayed()])[0]
    field.send_keys("NewCo")
    company_url = reverse("admin:tenancy_tenant_change", args=[pending_tenant.pk])
    _wait(lambda: browser.execute_script(
        "const results = document.querySelector('#command-results-list');"
        f"return !document.querySelector('#command-submit.htmx-request') && {command}.totalItems > 0"
        " && !!results && !!results.querySelector(arguments[0]) && results.offsetParent !== null"
        " && results.innerText.includes('Company · newco');", f'a[href="{company_url}"]'))
    assert "Company · newco" in browser.find_element(By.ID, "command-results-list").text
    panel.screenshot("global-search.png")
    field.send_keys(Keys.ARROW_DOWN)
    _wait(lambda: browser.execute_script(f"return {command}.currentIndex === 1"))
    field.send_keys(Keys.ENTER)
    _wait(lambda: browser.current_url.endswith(company_url) and browser.find_elements(By.ID, "company-overview"))
    panel.run_dialog_action("/approve/")
    pending_tenant.refresh_from_db()
    assert pending_tenant.status == TenantStatus.ACTIVE and pending_tenant.approved_by == support
    panel.screenshot("company-approved.png")


def test_finance_verifies_on_a_phone(live_server, browser, finance, pending_payment):
    from selenium.webdriver.common.by import By

    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    _size(browser, PHONE)
    panel.login(finance.email)
    panel.open(reverse("admin:billing_payment_change", args=[pending_payment.pk]))
    link = browser.find_element(By.CSS_SELECTOR, 'a[href$="/verify/"]')
    browser.execute_script("arguments[0].click();", link)  # the detail actions sit in a menu on a phone
    submit = _wait(lambda: [b for b in browser.find_elements(By.CSS_SELECTOR, "#modal-content button[type=submit]")
                            if b.is_displayed()])[0]
    _wait(lambda: _inside_viewport(browser, submit))
    assert _fits_the_screen(browser)
    panel.screenshot("phone-verify-dialog.png")
    old = browser.find_element(By.TAG_NAME, "html")
    submit.click()  # a real click: the button is on the screen
    _wait(lambda: not _attached(old))
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.VERIFIED
    assert _fits_the_screen(browser)
    panel.screenshot("phone-verified.png")
    panel.open(reverse("admin:billing_payment_changelist"))
    assert _fits_the_screen(browser)
    panel.screenshot("phone-payments.png")


def test_bulk_verify_asks_for_confirmation(live_server, browser, finance, pending_payment):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    _size(browser, DESKTOP)
    panel.login(finance.email)
    panel.open(reverse("admin:billing_payment_changelist") + "?verification=PENDING")
    browser.find_element(By.CSS_SELECTOR, "input.action-select").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("bulk_verify")
    _wait(lambda: [b for b in browser.find_elements(By.CSS_SELECTOR, 'button[name="index"]') if b.is_displayed()])
    browser.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    _wait(lambda: browser.find_elements(By.ID, "bulk-confirm"))
    assert "This changes 1 row" in browser.find_element(By.ID, "bulk-confirm").text
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.PENDING  # nothing yet
    panel.screenshot("bulk-verify-confirm.png")
    browser.find_element(By.ID, "bulk-apply").click()
    _wait(lambda: not browser.find_elements(By.ID, "bulk-confirm"))
    pending_payment.refresh_from_db()
    assert pending_payment.verification_status == VerificationStatus.VERIFIED


def test_company_page_shows_balance_invoices_and_timeline(live_server, browser, support, tenant, pending_payment):
    from selenium.webdriver.common.by import By

    _company_with_history(tenant, pending_payment)
    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    panel.login(support.email)
    for name, size in [("desktop", DESKTOP), ("phone", PHONE)]:
        _size(browser, size)
        panel.open(reverse("admin:tenancy_tenant_change", args=[tenant.pk]))
        balance = browser.find_element(By.ID, "company-balance").text
        assert f"{pending_payment.invoice.total:,.2f} {pending_payment.invoice.currency}" in balance
        assert pending_payment.invoice.number in browser.find_element(By.ID, "company-invoices").text
        assert "system" in browser.find_element(By.ID, "company-timeline").text
        assert _fits_the_screen(browser), name
        panel.screenshot(f"company-{name}.png")


def test_company_tabs_stay_readable_on_every_tab(live_server, browser, tenant, pending_payment):
    """Switching tabs (Payments included) never folds the tab bar into "General ...": at 1440 px and on a phone
    every tab's label is on the screen, and the page does not scroll sideways."""
    from selenium.webdriver.common.by import By

    from tenancy.tests.factories import StaffFactory

    owner = StaffFactory(email="owner@platform.example")  # a superuser sees every tab
    _company_with_history(tenant, pending_payment)
    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    panel.login(owner.email)
    for name, size in [("desktop", DESKTOP), ("phone", PHONE)]:
        _size(browser, size)
        panel.open(reverse("admin:tenancy_tenant_change", args=[tenant.pk]))
        _wait(lambda: browser.execute_script("return document.readyState === 'complete' && !!window.Alpine"))
        titles = [tab.text for tab in browser.find_elements(By.CSS_SELECTOR, "#tabs-items > a")]
        assert "Payments" in " ".join(titles) and len(titles) >= 6, titles
        for index in range(len(titles)):
            tab = browser.find_elements(By.CSS_SELECTOR, "#tabs-items > a")[index]
            browser.execute_script("arguments[0].click();", tab)
            _wait(lambda t=tab: "active" in t.get_attribute("class"))
            tabs = browser.find_elements(By.CSS_SELECTOR, "#tabs-items > a")
            assert [t.text for t in tabs] == titles, f"{name}: tab bar changed after {titles[index]!r}"
            assert all(t.is_displayed() and _inside_viewport_x(browser, t) for t in tabs), (name, titles[index])
            assert _fits_the_screen(browser), f"{name}: sideways scroll on {titles[index]!r}"
        panel.screenshot(f"company-tabs-{name}.png")


def _inside_viewport_x(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 1;", element)
