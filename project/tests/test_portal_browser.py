"""The portal end to end: Debian's Chromium drives the built app through the live Django server.

The journey of issue 12: a company signs up in the portal, Support approves it in the control panel,
its admin signs in, invites a member who accepts from the e-mailed link, creates a team and tasks,
drags a task across columns (the order survives a reload), comments and attaches a file, subscribes
to a paid plan and uploads a payment proof; Finance verifies it in the control panel; the portal
shows the subscription ACTIVE and the invoice PAID with its PDF. Then: a MEMBER sees no admin-only
screen, and a suspended company sees the read-only banner with the way to pay.

Every screen is checked with axe-core (no serious or critical violation) and photographed at
1440x900 and 390x844 under test-artifacts/portal/.
"""

import io
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from billing.models import InvoiceStatus, SubscriptionStatus, VerificationStatus
from billing.tests.factories import PlanFactory
from platform_admin.groups import ensure_staff_groups
from project.testing import chromium, has_chromium
from tenancy.models import Role, Tenant, TenantStatus, User
from tenancy.tests.factories import TEST_PASSWORD, StaffFactory
from work.models import Task, TaskStatus

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "portal"
AXE = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
BUILT = Path(settings.PORTAL_DIST_DIR) / "index.html"
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
PASSWORD = "a-long-enough-password-26"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.heavy,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not has_chromium(),
                       reason="needs Debian's chromium and chromium-driver"),
]


@pytest.fixture(autouse=True)
def _built_portal():
    if not BUILT.exists() or not AXE.exists():
        message = "the portal is not built: run `make frontend` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def downloads():
    path = tempfile.mkdtemp(prefix="portal-downloads-")
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def browser(downloads):
    with chromium(downloads=downloads, window="1440,900", arguments=("--disable-quic",), browser_log=True) as driver:
        yield driver


def wait(condition, timeout: float = 15.0, what: str = "a condition"):
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except WebDriverException as exc:  # an element not there yet, a stale one: try again
            result, last_error = None, exc
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


class Portal:
    """The browser on the portal, with the checks every screen gets."""

    def __init__(self, driver, port: int):
        self.driver, self.port = driver, port
        self.checked: list[str] = []

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def open(self, host: str, path: str):
        self.driver.get(self.url(host, path))

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def one(self, selector: str, timeout: float = 15.0):
        return wait(lambda: [e for e in self.css(selector) if e.is_displayed()], timeout, selector)[0]

    def text(self) -> str:
        return self.driver.find_element("tag name", "body").text

    def see(self, text: str, timeout: float = 15.0):
        wait(lambda: text in self.text(), timeout, f"the text {text!r}")

    def button(self, label: str, timeout: float = 15.0):
        def find():
            for element in self.css("button, a"):
                if element.is_displayed() and element.text.strip().startswith(label) and element.is_enabled():
                    return element
            return None

        return wait(find, timeout, f"a button {label!r}")

    def click(self, label: str):
        element = self.button(label)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def field(self, label: str):
        from selenium.webdriver.common.by import By

        def find():
            for element in self.css("label"):
                if element.text.strip().startswith(label) and element.get_attribute("for"):
                    found = self.driver.find_element(By.ID, element.get_attribute("for"))
                    if found.is_displayed() or found.get_attribute("type") == "file":
                        return found
            return None

        return wait(find, 15, f"a field {label!r}")

    def fill(self, label: str, value: str):
        from selenium.webdriver.common.keys import Keys

        element = self.field(label)
        # Typed as a person would (select all, then type), so that React sees every change.
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(value)
        wait(lambda: element.get_attribute("value") == value, 5, f"{label!r} to read {value!r}")

    def choose(self, label: str, visible_text: str):
        from selenium.webdriver.support.ui import Select

        select = Select(self.field(label))
        wait(lambda: any(o.text == visible_text for o in select.options), 15, f"the option {visible_text!r}")
        select.select_by_visible_text(visible_text)

    def check(self, name: str):
        """Screenshots at both sizes, axe-core at both sizes, and no CSP violation in the console."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        width, height = self.driver.get_window_size()["width"], self.driver.get_window_size()["height"]
        for label, (w, h) in SIZES.items():
            self.driver.set_window_size(w, h)
            time.sleep(0.3)
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.driver.save_screenshot(str(ARTIFACTS / f"{name}-{label}.png"))
            assert overflow <= 1, f"{name} at {label}: the page is {overflow}px wider than the screen"
            self.axe(f"{name} at {label}")
        self.driver.set_window_size(width, height)
        logs = self.driver.get_log("browser")
        violations = [entry["message"] for entry in logs if "Content Security Policy" in entry["message"]]
        assert not violations, f"{name}: CSP violations {violations}"
        self.checked.append(name)

    def axe(self, where: str):
        if not self.driver.execute_script("return !!window.axe"):
            self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
            ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));")
        serious = [v for v in json.loads(result) if v["impact"] in ("serious", "critical")]
        assert not serious, f"{where}: accessibility violations " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in serious)

    def sign_in(self, host: str, email: str, password: str):
        self.open(host, "/app/login")
        self.fill("E-mail", email)
        self.fill("Password", password)
        self.click("Sign in")
        wait(lambda: "/app/login" not in self.driver.current_url, 15, "leaving the sign-in page")

    def sign_out(self):
        self.click("Sign out")
        wait(lambda: "/app/login" in self.driver.current_url, 15, "the sign-in page")

    def drag(self, source, target_column):
        """Drag a card onto a column with the browser's own HTML5 drag-and-drop events."""
        self.driver.execute_script(
            """
            const [card, column] = arguments;
            const data = new DataTransfer();
            const fire = (el, type, y) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                dataTransfer: data, clientY: y}));
            const box = column.getBoundingClientRect();
            fire(card, 'dragstart', 0);
            fire(column, 'dragenter', box.top + 5);
            fire(column, 'dragover', box.top + 40);
            fire(column, 'drop', box.top + 40);
            fire(card, 'dragend', 0);
            """,
            source, target_column)


class Panel:
    """The control panel in the same browser, on the platform host."""

    def __init__(self, driver, port: int):
        self.driver, self.port = driver, port

    def login(self, email: str):
        from selenium.webdriver.common.by import By

        # Only the control panel's session goes (the portal's cookies on localhost stay).
        self.driver.get(f"http://localhost:{self.port}/admin/login/?next=/admin/")
        self.driver.delete_cookie("sessionid")
        self.driver.get(f"http://localhost:{self.port}/admin/login/?next=/admin/")
        self.driver.find_element(By.NAME, "username").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(TEST_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait(lambda: self.driver.find_elements(By.ID, "dashboard"), 15, "the control panel's dashboard")

    def action(self, path: str, url_part: str):
        from selenium.webdriver.common.by import By

        from platform_admin.tests.test_browser import _attached

        self.driver.get(f"http://localhost:{self.port}{path}")
        link = wait(lambda: self.driver.find_element(By.CSS_SELECTOR, f'a[href$="{url_part}"]'), 15, url_part)
        self.driver.execute_script("arguments[0].click();", link)
        buttons = "#modal-content button[type=submit]"
        submit = wait(lambda: [b for b in self.driver.find_elements(By.CSS_SELECTOR, buttons) if b.is_displayed()],
                      15, "the action's dialog")
        old = self.driver.find_element(By.TAG_NAME, "html")
        submit[0].click()
        wait(lambda: not _attached(old), 15, "the page after the action")


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (30, 60, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def last_link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        match = re.search(pattern, message.body)
        if match:
            return match.group(0)
    raise AssertionError(f"no e-mail with {pattern!r}: {[m.subject for m in mail.outbox]}")


@pytest.fixture
def staff(db):
    groups = ensure_staff_groups()
    support = StaffFactory(email="support@platform.example", is_superuser=False)
    support.groups.add(groups["Support"])
    finance = StaffFactory(email="finance@platform.example", is_superuser=False)
    finance.groups.add(groups["Finance"])
    return {"support": support, "finance": finance}


def test_a_company_from_sign_up_to_a_paid_subscription(live_server, browser, downloads, staff, settings, tmp_path):
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.FRONTEND_URL = f"http://{{host}}:{port}/app"
    PlanFactory(code="starter", name="Starter", price="29.00", trial_days=0, max_users=10)
    portal, panel = Portal(browser, port), Panel(browser, port)
    host = "gamma.localhost"

    # Sign-up on the platform host: the subdomain check, then the waiting screen.
    portal.open("localhost", "/app/signup")
    portal.fill("Company name", "Gamma Works")
    wait(lambda: portal.field("Subdomain").get_attribute("value") == "gamma-works", what="the suggested subdomain")
    portal.fill("Subdomain", "admin")
    portal.see("This subdomain is reserved")
    portal.fill("Subdomain", "gamma")
    portal.see("gamma.localhost is available")
    portal.fill("First name", "Gina")
    portal.fill("Your e-mail", "boss@gamma.example")
    portal.fill("Password", PASSWORD)
    portal.check("signup")
    portal.click("Sign up")
    portal.one("[data-testid=waiting]")
    tenant = Tenant.objects.get(slug="gamma")
    assert tenant.status == TenantStatus.PENDING
    portal.check("waiting-for-approval")

    # Support approves in the control panel (another tab); the waiting screen notices by itself.
    portal_tab = browser.current_window_handle
    browser.switch_to.new_window("tab")
    panel.login(staff["support"].email)
    panel.action(reverse("admin:tenancy_tenant_change", args=[tenant.pk]), "/approve/")
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    browser.close()
    browser.switch_to.window(portal_tab)
    portal.one("[data-testid=approved]", timeout=20)
    portal.check("approved")
    portal.click("gamma.localhost")

    # The admin signs in on the company's own host.
    wait(lambda: browser.current_url.startswith(f"http://{host}:{port}/app/login"), what="the company's sign-in")
    portal.check("login")
    portal.fill("E-mail", "boss@gamma.example")
    portal.fill("Password", PASSWORD)
    portal.click("Sign in")
    portal.see("My tasks")
    portal.check("dashboard")

    # A reload keeps the session: the refresh cookie is httpOnly, strict, on this host only.
    browser.refresh()
    portal.see("My tasks")
    cookies = browser.execute_cdp_cmd("Network.getCookies", {"urls": [portal.url(host, "/api/auth/")]})["cookies"]
    cookie = next(c for c in cookies if c["name"] == "portal_refresh")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["domain"] == host
    assert cookie["path"] == "/api/auth/" and cookie["secure"] is True
    assert browser.execute_script("return document.cookie").find("portal_refresh") == -1

    # Invite a member; the member accepts from the e-mailed link.
    portal.open(host, "/app/company/invitations")
    portal.fill("E-mail", "mia@gamma.example")
    portal.click("Send invitation")
    portal.see("Invitation sent.")
    portal.check("company-invitations")
    link = last_link(r"http://gamma\.localhost:\d+/app/accept-invitation\?token=[\w-]+")
    portal.sign_out()
    browser.get(link)
    portal.fill("First name", "Mia")
    portal.fill("Password", PASSWORD)
    portal.check("accept-invitation")
    portal.click("Join")
    portal.see("My tasks")
    member = User.objects.get(email="mia@gamma.example")
    assert member.tenant_id == tenant.id and member.role == Role.MEMBER

    # A MEMBER sees no admin-only screen, and is told so if she types the address.
    nav = portal.one("#main-nav").get_attribute("textContent")
    assert "Billing" not in nav and "Company" not in nav
    for path in ["/app/billing", "/app/company/members"]:
        portal.open(host, path)
        portal.one("[data-testid=forbidden]")
    portal.check("member-forbidden")
    portal.sign_out()

    # The admin creates a team with the member in it, and tasks.
    portal.sign_in(host, "boss@gamma.example", PASSWORD)
    portal.open(host, "/app/teams")
    portal.fill("Team name", "Launch")
    portal.click("Create team")
    portal.see("Team created.")
    portal.check("teams")
    portal.click("Launch")
    portal.choose("Colleague", "Mia (mia@gamma.example)")
    portal.click("Add to team")
    portal.see("mia@gamma.example")
    portal.check("team-detail")
    portal.click("Open the board")
    for title in ["Write the spec", "Ship it", "Celebrate"]:
        portal.fill("New task", title)
        portal.click("Add task")
        portal.see(title)
    portal.check("board")

    # Drag "Write the spec" to In progress; the order survives a reload.
    spec = Task.objects.get(title="Write the spec")
    card = portal.one(f'[data-task-id="{spec.pk}"]')
    portal.drag(card, portal.one('[data-status="IN_PROGRESS"]'))
    wait(lambda: Task.objects.get(pk=spec.pk).status == TaskStatus.IN_PROGRESS, what="the move to be saved")
    # Keyboard: lift "Celebrate" (last in To do), move it up, drop it: To do is now Ship it? no: Celebrate, Ship it.
    celebrate = Task.objects.get(title="Celebrate")
    handle = portal.one(f'[data-task-id="{celebrate.pk}"] button')
    from selenium.webdriver.common.keys import Keys

    handle.send_keys(Keys.SPACE)
    handle = portal.one(f'[data-task-id="{celebrate.pk}"] button')
    handle.send_keys(Keys.ARROW_UP)
    handle = portal.one(f'[data-task-id="{celebrate.pk}"] button')
    handle.send_keys(Keys.SPACE)
    wait(lambda: list(Task.objects.filter(team__name="Launch", status=TaskStatus.TODO).order_by("position")
                      .values_list("title", flat=True)) == ["Celebrate", "Ship it"], what="the keyboard move")
    browser.refresh()
    columns = wait(lambda: {
        status: [li.text.split("\n")[0] for li in portal.css(f'[data-status="{status}"] li')]
        for status in ("TODO", "IN_PROGRESS")} if portal.css('[data-status="TODO"] li') else None,
        what="the board after a reload")
    assert columns == {"TODO": ["Celebrate", "Ship it"], "IN_PROGRESS": ["Write the spec"]}
    portal.check("board-after-moves")

    # The task drawer: a comment and an attachment (with its upload progress), then the history.
    portal.click("Write the spec")
    portal.one("[data-testid=task-drawer]")
    portal.fill("Add a comment", "First draft is in the shared folder.")
    portal.click("Post comment")
    portal.see("First draft is in the shared folder.")
    attachment = tmp_path / "spec.png"
    attachment.write_bytes(png_bytes())
    portal.field("Attach a file").send_keys(str(attachment))
    wait(lambda: "spec.png" in portal.one("[data-testid=attachments]").text, what="the attachment")
    portal.see("History")
    assert spec.comments.count() == 1 and spec.attachments.count() == 1
    portal.check("task-drawer")
    portal.click("Close")

    # Billing: subscribe to the paid plan, pay the first invoice with a proof.
    portal.open(host, "/app/billing")
    portal.see("Choose a plan")
    portal.check("billing-no-plan")
    portal.click("Choose Starter")
    portal.one("[data-testid=open-invoices]")
    portal.see("Waiting for payment")
    portal.click("Pay")
    proof = tmp_path / "proof.png"
    proof.write_bytes(png_bytes())
    portal.fill("Reference", "TRANSFER-0042")
    portal.field("Proof of payment").send_keys(str(proof))
    portal.click("Send payment proof")
    portal.see("Payment being verified")
    portal.see("Proof being verified")
    portal.check("billing-proof-sent")
    subscription = tenant.subscriptions.get()
    payment = subscription.payments.get()
    assert subscription.status == SubscriptionStatus.PENDING_VERIFICATION

    # Finance verifies it in the control panel.
    billing_tab = browser.current_window_handle
    browser.switch_to.new_window("tab")
    panel.login(staff["finance"].email)
    panel.action(reverse("admin:billing_payment_change", args=[payment.pk]), "/verify/")
    payment.refresh_from_db()
    assert payment.verification_status == VerificationStatus.VERIFIED
    browser.close()
    browser.switch_to.window(billing_tab)

    # The portal shows the subscription ACTIVE and the invoice PAID, with its PDF.
    browser.refresh()
    wait(lambda: portal.one("[data-testid=subscription-status]").text == "Active", what="the Active subscription")
    invoice = payment.invoice
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    row = portal.one(f'[data-invoice="{invoice.number}"]')
    assert "Paid" in row.text
    row.find_element("css selector", "button").click()
    pdf = wait(lambda: list(downloads.glob("*.pdf")), 20, "the invoice's PDF")[0]
    wait(lambda: pdf.read_bytes().startswith(b"%PDF"), what="a whole PDF")
    assert pdf.name == f"{invoice.number}.pdf"
    portal.check("billing-active-paid")

    # The other screens, each with the same checks.
    for path, marker, name in [
        ("/app/notifications", "What you are told, and how", "notifications"),
        ("/app/profile", "Change password", "profile"),
        ("/app/company/settings", "Company details", "company-settings"),
        ("/app/company/members", "Members and roles", "company-members"),
        ("/app/company/activity", "Activity log", "company-activity"),
    ]:
        portal.open(host, path)
        portal.see(marker)
        portal.check(name)
    portal.sign_out()
    for path, name in [("/app/forgot-password", "forgot-password"),
                       ("/app/reset-password?uid=x&token=y", "reset-password")]:
        portal.open(host, path)
        portal.one("h1")
        portal.check(name)

    # A suspended company: read-only banner with the way to pay.
    from tenancy.services.tenants import tenant_suspend

    tenant_suspend(tenant=tenant, actor=staff["support"], reason="Unpaid renewal")
    portal.sign_in(host, "boss@gamma.example", PASSWORD)
    banner = portal.one("[data-testid=suspended-banner]")
    assert "read-only" in banner.text and "Billing" in banner.text
    assert banner.find_element("css selector", "a").get_attribute("href").endswith("/app/billing")
    portal.check("suspended-banner")

    # Read-only for real: a move is refused (403), the card goes back and the reason is shown.
    portal.open(host, f"/app/board/{spec.team_id}")
    card = portal.one(f'[data-task-id="{spec.pk}"]')
    portal.drag(card, portal.one('[data-status="DONE"]'))
    portal.see("suspended and read-only")
    wait(lambda: portal.css(f'[data-status="IN_PROGRESS"] [data-task-id="{spec.pk}"]'), what="the card back in place")
    assert not portal.css(f'[data-status="DONE"] [data-task-id="{spec.pk}"]')
    assert Task.objects.get(pk=spec.pk).status == TaskStatus.IN_PROGRESS
    portal.check("suspended-move-refused")
    assert len(portal.checked) >= 19
