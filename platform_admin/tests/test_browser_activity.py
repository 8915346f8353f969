"""Staff read the activity log and a company's history in a real browser (desktop and phone)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from platform_admin.tests import test_browser as ui
from platform_admin.tests.test_browser import DESKTOP, PHONE, Panel, _size, _wait
from project.testing import has_chromium
from tenancy.services.tenants import tenant_settings_update

browser, downloads = ui.browser, ui.downloads  # the Chromium fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not has_chromium(),
                       reason="needs Debian's chromium and chromium-driver"),
]


def _text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.parametrize("size,name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_support_reads_the_activity_log_and_a_company_history(live_server, browser, support, tenant,
                                                              other_tenant, other_admin, size, name):
    from selenium.webdriver.common.by import By

    tenant_settings_update(tenant=other_tenant, actor=other_admin, locale="de-de")
    panel = Panel(browser, live_server.url.replace("127.0.0.1", "localhost"))
    _size(browser, size)
    panel.login(support.email)
    # Support suspends the company from its page (the dialog asks for the reason).
    panel.open(reverse("admin:tenancy_tenant_change", args=[tenant.pk]))
    panel.run_dialog_action("/suspend/", {"reason": "Chargeback on the last invoice"})
    tenant.refresh_from_db()
    assert tenant.status == "SUSPENDED"

    # The log filtered by company (the filter's own query): words, the actor, the diff; the other company is out.
    panel.open(reverse("admin:tenancy_activitylog_changelist") + f"?tenant__id__exact={tenant.pk}")
    rows = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr"))
    assert len(rows) == 1
    text = rows[0].text
    assert "Company suspended" in text and "tenant.suspended" not in text
    assert support.email in text
    assert "Status: Active → Suspended" in text
    assert "Suspension reason: — → Chargeback on the last invoice" in text
    assert "Control panel" in text  # the channel
    assert "Company settings changed" not in _text(browser)
    panel.screenshot(f"activity-log-{name}.png")

    # The object link leads to the company's page.
    link = rows[0].find_element(By.CSS_SELECTOR, "a.activity-object")
    assert link.get_attribute("href").endswith(reverse("admin:tenancy_tenant_change", args=[tenant.pk]))
    browser.execute_script("arguments[0].click();", link)
    _wait(lambda: browser.find_elements(By.ID, "company-overview"))

    # The company's history: the service's reason, a formatted local date, no Revert.
    panel.open(reverse("admin:tenancy_tenant_history", args=[tenant.pk]))
    table = _wait(lambda: browser.find_elements(By.ID, "change-history"))[0]
    history = table.text
    assert "suspended: Chargeback on the last invoice" in history
    assert support.email in history  # changed by
    latest = tenant.history.latest("history_date").history_date
    assert date_format(timezone.localtime(latest), "DATETIME_FORMAT") in history
    assert "+00:00" not in history and "pk=None" not in history
    assert "revert" not in _text(browser).lower()
    panel.screenshot(f"company-history-{name}.png")
