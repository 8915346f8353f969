"""No error page for bad input: every admin form, dialog and bulk action, with hostile values, as each staff group.

The crawl reads each page's own form (as a browser would), then posts it back with one field at a time
replaced by a hostile value, and finally with every field hostile at once. Any answer >= 500 fails the
test with the URL, the field, the value and the exception.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.utils import timezone

from billing.models import InvoiceStatus, SubscriptionStatus
from billing.tests.factories import (
    InvoiceFactory,
    PlanFactory,
    SubscriptionFactory,
    issued_invoice,
    manual_invoice,
    submitted_payment,
)
from platform_admin.admin.base import PlatformModelAdmin
from platform_admin.models import SystemSetting
from platform_admin.tests.crawl import editable_names, form_fields, model_admins, url_or_none
from tenancy.models import ActivityLog, Notification, Role, TenantStatus
from tenancy.tests.factories import StaffFactory, TenantFactory, TenantInvitationFactory, UserFactory
from work.tests.factories import TaskFactory, TeamFactory

# One field at a time gets each of these (the rest of the form stays valid, so the save reaches the service)...
PER_FIELD = ["-5", "99999999999999999999999999", "U1D", ""]
# ...and every field at once gets each of these.
ALL_AT_ONCE = [*PER_FIELD, "x" * 10_000, "Ünïcødé ✓ 名前 😀", "2026-02-31", "0", "1e400", "<script>alert(1)</script>",
               "NaN"]
QUICK = ["-5", "", "x" * 10_000, "2026-02-31"]
MISSING_IDS = ["999999", "abc", "-1"]
OBJECTS_PER_MODEL = 6


@pytest.fixture
def world(staff_groups, tenant, tenant_admin, member, plan):
    """Rows of every model, in the states the actions care about."""
    today = timezone.localdate()
    pending = TenantFactory(name="Pending Co", slug="pendingco", status=TenantStatus.PENDING)
    TenantFactory(name="Suspended Co", slug="suspendedco", status=TenantStatus.SUSPENDED)
    TenantFactory(name="Rejected Co", slug="rejectedco", status=TenantStatus.REJECTED)
    UserFactory(tenant=pending, role=Role.TENANT_ADMIN, email="owner@pendingco.example")
    UserFactory(tenant=tenant, is_active=False, email="gone@acme.example")
    subscription = SubscriptionFactory(tenant=tenant, plan=plan)
    trial = SubscriptionFactory(tenant=TenantFactory(), plan=PlanFactory(code="trial", price=Decimal("0")),
                                status=SubscriptionStatus.TRIAL)
    SubscriptionFactory(tenant=TenantFactory(), plan=plan, status=SubscriptionStatus.CANCELLED)
    issued = issued_invoice(subscription=subscription)
    submitted_payment(invoice=issued)
    overdue = issued_invoice(subscription=trial)
    overdue.due_on = today - datetime.timedelta(days=9)
    overdue.save(update_fields=["due_on"])
    InvoiceFactory(subscription=subscription)
    paid = manual_invoice(tenant)
    from billing.services.invoices import invoice_void
    from billing.services.settlement import invoice_mark_paid

    invoice_mark_paid(tenant=tenant, actor=None, invoice=paid)
    invoice_void(tenant=tenant, actor=None, invoice=manual_invoice(tenant), reason="Duplicate")
    assert {InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.VOID} <= set(
        tenant.invoices.values_list("status", flat=True)) | {InvoiceStatus.ISSUED}
    TenantInvitationFactory(tenant=tenant)
    TeamFactory(tenant=tenant)
    TaskFactory(tenant=tenant, team=TeamFactory(tenant=tenant))
    ActivityLog.objects.create(tenant=tenant, actor=tenant_admin, verb="task.created", object_type="task",
                               object_id="1", object_repr="A task")
    Notification.objects.create(tenant=tenant, recipient=tenant_admin, type="info", title="Hello")
    SystemSetting.objects.create(issuer_name="Platform Inc.")
    return tenant


@pytest.fixture
def staff_member(request, staff_groups):
    if request.param == "owner":
        return StaffFactory(email="owner@platform.example")
    user = StaffFactory(email=f"{request.param.lower()}@platform.example", is_superuser=False)
    user.groups.add(staff_groups[request.param])
    return user


class Crawl:
    def __init__(self, user, *, per_field: list[str], all_at_once: list[str]):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.per_field, self.all_at_once = per_field, all_at_once
        self.failures: list[str] = []
        self.requests = 0
        self._exception: BaseException | None = None

    def _record(self, sender, request=None, **kwargs):
        import sys

        self._exception = sys.exc_info()[1]

    def __enter__(self):
        got_request_exception.connect(self._record)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self._record)

    def _check(self, method: str, url: str, response, note: str = ""):
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{method} {url} {note} -> {response.status_code}: {self._exception!r}")
        self._exception = None

    def get(self, url: str, **params):
        response = self.client.get(url, params)
        self._check("GET", url, response, str(params)[:120] if params else "")
        return response

    def post(self, url: str, data: dict, note: str = "", **headers):
        response = self.client.post(url, data, **headers)
        self._check("POST", url, response, note)
        return response

    def sweep(self, url: str | None, *, htmx: bool = False, per_field: bool = True, deep: bool = True):
        """Post the page's form back as it is, with one field hostile at a time, then all of them at once."""
        if url is None:
            return
        response = self.get(url)
        if response.status_code != 200:
            return
        fields = form_fields(response.content.decode())
        names = editable_names(fields)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        self.post(url, fields, "[as rendered]", **headers)
        for name in names if per_field else []:
            for value in self.per_field:
                self.post(url, {**fields, name: value}, f"[{name}={value[:20]!r}]", **headers)
        for value in self.all_at_once if deep else [""]:
            self.post(url, {**fields, **dict.fromkeys(names, value)}, f"[all={value[:20]!r}]", **headers)


def _objects(model_admin):
    return list(model_admin.model._default_manager.order_by("pk")[:OBJECTS_PER_MODEL])


BAD_LIST_PARAMS = {"o": "99", "p": "-1", "status__exact": "NOPE", "created_at_from": "2026-02-31",
                   "due_on_from": "31/31/2026", "due_on_to": "x", "paid_on_from": "2026-13-01",
                   "tenant__id__exact": "abc", "verification": "NOPE", "dunning": "NOPE"}


@pytest.mark.heavy  # MariaDB is where hostile values meet strict column types
@pytest.mark.parametrize("staff_member", ["owner", "Support", "Finance"], indirect=True)
def test_no_admin_page_answers_5xx_to_hostile_input(world, staff_member):
    owner = staff_member.is_superuser
    with Crawl(staff_member, per_field=PER_FIELD if owner else [],
               all_at_once=ALL_AT_ONCE if owner else QUICK) as crawl:
        for model, model_admin in model_admins():
            ours = isinstance(model_admin, PlatformModelAdmin)  # third-party admins: pages and forms, less deep
            opts = model._meta
            prefix = f"admin:{opts.app_label}_{opts.model_name}"
            changelist = url_or_none(f"{prefix}_changelist")
            crawl.get(changelist, q="x" * 10_000)
            crawl.get(changelist, q="Ünïcødé ✓ 名前 😀", **BAD_LIST_PARAMS)
            crawl.get(changelist, p="abc")
            crawl.sweep(url_or_none(f"{prefix}_add"), per_field=ours)
            objects = _objects(model_admin)
            for obj in objects[:1]:
                crawl.sweep(url_or_none(f"{prefix}_change", obj.pk), per_field=ours)
                crawl.get(url_or_none(f"{prefix}_history", obj.pk))
                for missing in MISSING_IDS:
                    url = url_or_none(f"{prefix}_simple_history", obj.pk, missing)
                    if url is not None and crawl.get(url).status_code != 404:
                        crawl.failures.append(f"GET {url} (missing version) is not a 404")
            for missing in MISSING_IDS:
                for view in ("change", "history", "delete"):
                    url = url_or_none(f"{prefix}_{view}", missing)
                    if url is None:
                        continue
                    # A missing object: 404, or the admin's redirect to the list with a message; never a 500.
                    status = crawl.get(url).status_code
                    if status not in (302, 403, 404):
                        crawl.failures.append(f"GET {url} (missing object) -> {status}")
            # Dialog actions on each object (every state the fixture made), and the list's own actions.
            names = dict.fromkeys([*getattr(model_admin, "actions_detail", ()),
                                   *getattr(model_admin, "actions_row", ())])
            for name in names:
                action = model_admin.get_unfold_action(name)
                for index, obj in enumerate(objects):
                    url = url_or_none(f"admin:{action.action_name}", obj.pk)
                    if action.dialog:  # the first object in depth; each other one (each state) as sent, and empty
                        crawl.sweep(url, htmx=True, per_field=index == 0, deep=index == 0)
                    else:
                        crawl.get(url)
                for missing in MISSING_IDS:
                    crawl.get(url_or_none(f"admin:{action.action_name}", missing))
                    crawl.post(url_or_none(f"admin:{action.action_name}", missing), {})
            for name in getattr(model_admin, "actions_list", ()):
                crawl.sweep(url_or_none(f"admin:{model_admin.get_unfold_action(name).action_name}"), htmx=True)
            # Bulk actions on every row, through their intermediate pages, and on ids that are none.
            pks = [str(obj.pk) for obj in objects]
            for name in model_admin.actions or []:
                base = {"action": name, "_selected_action": pks, "index": "0"}
                crawl.post(changelist, base, f"[{name}]")
                for value in crawl.all_at_once:
                    crawl.post(changelist, {**base, "apply": "1", "confirm": "1", "reason": value},
                               f"[{name} reason={value[:20]!r}]")
                if ours:
                    crawl.post(changelist, {**base, "_selected_action": ["999999", "abc", "9" * 30]},
                               f"[{name} missing]")
    print(f"{crawl.requests} requests")
    assert crawl.requests > 200
    assert not crawl.failures, "\n".join(crawl.failures[:40])


def test_a_service_refusal_is_a_field_error_and_saves_nothing(admin_client, world, plan):
    client = admin_client(StaffFactory(email="root@platform.example"))
    url = url_or_none("admin:billing_plan_change", plan.pk)
    fields = form_fields(client.get(url).content.decode())
    response = client.post(url, {**fields, "price": "-5"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"price": ["A price cannot be negative."]}
    response = client.post(url, {**fields, "currency": "U1D"})
    assert response.context["adminform"].form.errors == {"currency": ["Use a three-letter currency code."]}
    plan.refresh_from_db()
    assert (plan.price, plan.currency) == (Decimal("49.00"), "USD")
    response = client.post(url_or_none("admin:billing_plan_add"), {**fields, "code": "new", "price": "-5"})
    assert "A price cannot be negative." in response.content.decode()
    assert not type(plan).objects.filter(code="new").exists()


def test_unknown_objects_are_404(admin_client, world, plan):
    client = admin_client(StaffFactory(email="root@platform.example"))
    for url in [url_or_none("admin:billing_plan_history", "abc"), url_or_none("admin:billing_plan_history", 999999),
                url_or_none("admin:tenancy_tenant_history", "abc"),
                url_or_none("admin:billing_plan_simple_history", plan.pk, 999999)]:
        assert client.get(url).status_code == 404, url
    approve = url_or_none("admin:tenancy_tenant_row_approve", 999999)
    assert client.post(approve, {"_form_submitted": "on"}).status_code == 404
