"""Billing endpoints: role matrix, cross-tenant 404s, bad input, constant query counts, files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from billing.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from billing.services import invoices as invoice_services
from billing.services import settlement
from billing.tests.factories import (
    PlanFactory,
    SubscriptionFactory,
    billing_state,
    manual_invoice,
    payment_body,
    submitted_payment,
)
from tenancy.models import TenantStatus
from tenancy.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/subscriptions"
S = SubscriptionStatus


def _end_subscription(w):
    Subscription.objects.filter(pk=w["sub"].pk).update(status=S.CANCELLED)


def _void_renewal(w):
    Invoice.objects.filter(pk=w["renewal"].pk).update(status=InvoiceStatus.VOID)


# name: (method, url(w), body(w), multipart, success status, prepare)
TENANT_ENDPOINTS = {
    "subscriptions-list": ("get", lambda w: f"{BASE}/subscriptions/", None, False, 200, None),
    "subscriptions-create": ("post", lambda w: f"{BASE}/subscriptions/", lambda w: {"plan": w["plan2"].pk},
                             False, 201, _end_subscription),
    "subscriptions-detail": ("get", lambda w: f"{BASE}/subscriptions/{w['sub'].pk}/", None, False, 200, None),
    "subscriptions-cancel": ("post", lambda w: f"{BASE}/subscriptions/{w['sub'].pk}/cancel/", lambda w: {},
                             False, 200, None),
    "subscriptions-change-plan": ("post", lambda w: f"{BASE}/subscriptions/{w['sub'].pk}/change-plan/",
                                  lambda w: {"plan": w["plan2"].pk}, False, 200, None),
    "payments-list": ("get", lambda w: f"{BASE}/payments/", None, False, 200, None),
    "payments-create": ("post", lambda w: f"{BASE}/payments/", lambda w: payment_body(w["renewal"]), True, 201,
                        None),
    "payments-detail": ("get", lambda w: f"{BASE}/payments/{w['payment'].pk}/", None, False, 200, None),
    "payments-proof": ("get", lambda w: f"{BASE}/payments/{w['payment'].pk}/proof/", None, False, 200, None),
    "invoices-list": ("get", lambda w: f"{BASE}/invoices/", None, False, 200, None),
    "invoices-detail": ("get", lambda w: f"{BASE}/invoices/{w['manual'].pk}/", None, False, 200, None),
    "invoices-pdf": ("get", lambda w: f"{BASE}/invoices/{w['manual'].pk}/pdf/", None, False, 200, None),
    "dashboard": ("get", lambda w: f"{BASE}/billing/dashboard/", None, False, 200, None),
}

STAFF_ENDPOINTS = {
    "payments-verify": ("post", lambda w: f"{BASE}/payments/{w['payment'].pk}/verify/",
                        lambda w: {"action": "verify"}, False, 200, None),
    "payments-reject": ("post", lambda w: f"{BASE}/payments/{w['payment'].pk}/verify/",
                        lambda w: {"action": "reject", "reason": "Blurred"}, False, 200, None),
    "invoices-create": ("post", lambda w: f"{BASE}/invoices/", lambda w: {
        "tenant": w["tenant"].pk, "lines": [{"description": "Setup", "quantity": "2", "unit_price": "15.50"}]},
        False, 201, None),
    "staff-payments-list": ("get", lambda w: f"{BASE}/staff/payments/", None, False, 200, None),
    "staff-payments-proof": ("get", lambda w: f"{BASE}/staff/payments/{w['payment'].pk}/proof/", None, False, 200,
                             None),
    "staff-invoices-list": ("get", lambda w: f"{BASE}/staff/invoices/", None, False, 200, None),
    "staff-invoices-pdf": ("get", lambda w: f"{BASE}/staff/invoices/{w['renewal'].pk}/pdf/", None, False, 200, None),
    "staff-invoices-void": ("post", lambda w: f"{BASE}/staff/invoices/{w['renewal'].pk}/void/",
                            lambda w: {"reason": "Typo"}, False, 200, None),
    "staff-invoices-mark-paid": ("post", lambda w: f"{BASE}/staff/invoices/{w['renewal'].pk}/mark-paid/",
                                 lambda w: {}, False, 200, None),
    "staff-invoices-create": ("post", lambda w: f"{BASE}/staff/invoices/", lambda w: {
        "tenant": w["tenant"].pk, "lines": [{"description": "Setup", "unit_price": "15.50"}]}, False, 201, None),
    "staff-subscriptions-list": ("get", lambda w: f"{BASE}/staff/subscriptions/", None, False, 200, None),
    "staff-subscriptions-cancel": ("post", lambda w: f"{BASE}/staff/subscriptions/{w['sub'].pk}/cancel/",
                                   lambda w: {"immediately": True}, False, 200, None),
    "staff-subscriptions-extend": ("post", lambda w: f"{BASE}/staff/subscriptions/{w['sub'].pk}/extend/",
                                   lambda w: {"days": 5}, False, 200, _void_renewal),
}


def call(client, spec, w):
    method, url, body, multipart, _, prepare = spec
    if prepare:
        prepare(w)
    kwargs = {}
    if body is not None:
        kwargs["data"] = body(w)
        kwargs["format"] = "multipart" if multipart else "json"
    return getattr(client, method)(url(w), **kwargs)


TENANT_EXPECTED = {"anonymous": 401, "MEMBER": 403, "MANAGER": 403, "SUPER_ADMIN": 403}
STAFF_EXPECTED = {"anonymous": 401, "MEMBER": 403, "MANAGER": 403, "TENANT_ADMIN": 403}


@pytest.mark.parametrize("role", ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"])
@pytest.mark.parametrize("name", TENANT_ENDPOINTS)
def test_tenant_endpoint_roles(api, world, role_users, role, name):
    spec = TENANT_ENDPOINTS[name]
    user = role_users[role]
    client = api(user, host="alpha.localhost") if user is None else api(user)
    response = call(client, spec, world)
    expected = spec[4] if role == "TENANT_ADMIN" else TENANT_EXPECTED[role]
    assert response.status_code == expected, getattr(response, "data", response)
    if expected >= 400:
        assert response.json()["code"]


@pytest.mark.parametrize("role", ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"])
@pytest.mark.parametrize("name", STAFF_ENDPOINTS)
def test_staff_endpoint_roles(api, world, role_users, role, name):
    spec = STAFF_ENDPOINTS[name]
    user = role_users[role]
    client = api(user) if user is not None else api()
    response = call(client, spec, world)
    expected = spec[4] if role == "SUPER_ADMIN" else STAFF_EXPECTED[role]
    assert response.status_code == expected, getattr(response, "data", response)
    if expected >= 400:
        assert response.json()["code"]


def test_plans_are_open_to_every_user_and_pending_tenants(api, member):
    PlanFactory(code="visible")
    PlanFactory(code="hidden", is_public=False)
    PlanFactory(code="retired", is_active=False)
    assert [p["code"] for p in api(member).get(f"{BASE}/plans/").json()] == ["visible"]
    assert api().get(f"{BASE}/plans/").status_code == 401
    pending = TenantFactory(slug="newco", status=TenantStatus.PENDING)
    boss = UserFactory(tenant=pending, role="TENANT_ADMIN")
    assert api(boss).get(f"{BASE}/plans/").status_code == 200
    refused = api(boss).get(f"{BASE}/subscriptions/")
    assert refused.status_code == 403 and refused.json()["code"] == "tenant_not_approved"


CROSS_TENANT = ["subscriptions-detail", "subscriptions-cancel", "subscriptions-change-plan", "payments-detail",
                "payments-proof", "invoices-detail", "invoices-pdf"]


@pytest.mark.parametrize("name", CROSS_TENANT)
def test_another_tenants_objects_are_404(api, world, other_admin, name):
    response = call(api(other_admin), TENANT_ENDPOINTS[name], world)
    assert response.status_code == 404, name
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("name", ["subscriptions-list", "payments-list", "invoices-list"])
def test_another_tenants_lists_are_empty(api, world, other_admin, name):
    response = call(api(other_admin), TENANT_ENDPOINTS[name], world)
    assert response.status_code == 200 and response.json()["count"] == 0


def test_tenant_token_is_refused_on_another_tenants_host(api, world, tenant_admin, other_tenant):
    response = api(tenant_admin, host="beta.localhost").get(f"{BASE}/invoices/")
    assert response.status_code == 401


BAD_PAYMENTS = {
    "renamed-executable": ({"proof": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 500)}, 400,
                           "file_type_not_allowed"),
    "renamed-script": ({"proof": SimpleUploadedFile("receipt.png", b"#!/bin/sh\nrm -rf /\n")}, 400,
                       "file_type_not_allowed"),
    "oversize": ({"proof": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))}, 400,
                 "file_too_large"),
    "empty-file": ({"proof": SimpleUploadedFile("empty.pdf", b"")}, 400, "file_empty"),
    "no-file": ({"proof": None}, 400, "required"),
    "proof-not-a-file": ({"proof": "not a file"}, 400, "invalid"),
    "zero": ({"amount": "0"}, 400, "amount_not_positive"),
    "negative": ({"amount": "-49.00"}, 400, "amount_not_positive"),
    "less-than-total": ({"amount": "48.99"}, 400, "amount_mismatch"),
    "more-than-total": ({"amount": "49.01"}, 400, "amount_mismatch"),
    "sub-cent": ({"amount": "49.001"}, 400, "max_decimal_places"),
    "huge": ({"amount": "1e20"}, 400, "max_digits"),
    "not-a-number": ({"amount": "abc"}, 400, "invalid"),
    "nan": ({"amount": "NaN"}, 400, "invalid"),
    "other-currency": ({"currency": "EUR"}, 400, "currency_mismatch"),
    "bad-currency": ({"currency": "E1"}, 400, "invalid"),
    "bad-method": ({"method": "BITCOIN"}, 400, "invalid_choice"),
    "bad-date": ({"paid_on": "2026-13-45"}, 400, "invalid"),
    "future-date": ({"paid_on": "2999-01-01"}, 400, "date_in_future"),
    "ancient-date": ({"paid_on": "0001-01-01"}, 400, "date_too_early"),
    "long-reference": ({"reference": "x" * 101}, 400, "max_length"),
    "writes-status": ({"status": "COMPLETED"}, 400, "read_only_field"),
    "writes-verification": ({"verification_status": "VERIFIED"}, 400, "read_only_field"),
    "writes-tenant": ({"tenant": 1}, 400, "read_only_field"),
    "writes-subscription": ({"subscription": 1}, 400, "read_only_field"),
    "invoice-unknown": ({"invoice": 999999}, 400, "does_not_exist"),
    "invoice-not-an-id": ({"invoice": "abc"}, 400, "incorrect_type"),
}


@pytest.mark.parametrize("case", BAD_PAYMENTS)
def test_bad_payment_input_changes_nothing(api, world, tenant_admin, case):
    changes, status, code = BAD_PAYMENTS[case]
    before = billing_state()
    body = {key: value for key, value in payment_body(world["renewal"], **changes).items() if value is not None}
    response = api(tenant_admin).post(f"{BASE}/payments/", body, format="multipart")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert billing_state() == before  # no row, no status, no stored file


def test_another_tenants_invoice_changes_nothing(api, world, other_admin):
    before = billing_state()
    response = api(other_admin).post(f"{BASE}/payments/", payment_body(world["renewal"]), format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
    assert billing_state() == before


@pytest.mark.parametrize("closing", ["paid", "void"])
def test_paying_a_closed_invoice_is_409(api, world, tenant_admin, closing):
    invoice = world["renewal"]
    if closing == "paid":
        settlement.invoice_mark_paid(tenant=invoice.tenant, actor=None, invoice=invoice)
    else:
        invoice_services.invoice_void(tenant=invoice.tenant, actor=None, invoice=invoice, reason="x")
    before = billing_state()
    response = api(tenant_admin).post(f"{BASE}/payments/", payment_body(invoice), format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "invoice_not_open"
    assert billing_state() == before


def test_a_second_proof_while_one_waits_is_409(api, world, tenant_admin):
    before = billing_state()
    response = api(tenant_admin).post(f"{BASE}/payments/", payment_body(world["manual"]), format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "payment_pending"
    assert billing_state() == before


# Every billing object is read-only through the API: no generic update or delete anywhere.
DETAIL_URLS = {
    "payment": (False, lambda w: f"{BASE}/payments/{w['payment'].pk}/", {"amount": "1.00", "status": "COMPLETED"}),
    "invoice": (False, lambda w: f"{BASE}/invoices/{w['manual'].pk}/", {"number": "INV-2026-999999",
                                                                        "total": "1.00", "tenant": 2}),
    "subscription": (False, lambda w: f"{BASE}/subscriptions/{w['sub'].pk}/", {"status": "CANCELLED"}),
    "staff-payment": (True, lambda w: f"{BASE}/staff/payments/{w['payment'].pk}/", {"amount": "1.00"}),
    "staff-invoice": (True, lambda w: f"{BASE}/staff/invoices/{w['manual'].pk}/", {"number": "INV-2026-999999"}),
    "staff-subscription": (True, lambda w: f"{BASE}/staff/subscriptions/{w['sub'].pk}/", {"status": "ACTIVE"}),
}


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
@pytest.mark.parametrize("name", DETAIL_URLS)
def test_no_generic_write_on_billing_objects(api, world, tenant_admin, super_admin, name, method):
    staff, url, body = DETAIL_URLS[name]
    before = billing_state()
    response = getattr(api(super_admin if staff else tenant_admin), method)(url(world), body, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert billing_state() == before


@pytest.mark.parametrize("field", ["number", "status", "total", "subtotal"])
def test_staff_cannot_write_invoice_numbers_or_amounts(api, world, super_admin, field):
    body = {"tenant": world["tenant"].pk, field: "INV-2026-999999",
            "lines": [{"description": "Setup", "unit_price": "10.00"}]}
    before = billing_state()
    response = api(super_admin).post(f"{BASE}/invoices/", body)
    assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    assert billing_state() == before


def test_subscription_create_refuses_status_and_tenant(api, world, tenant_admin, other_tenant):
    _end_subscription(world)
    for field, value in (("status", "ACTIVE"), ("tenant", other_tenant.pk)):
        response = api(tenant_admin).post(f"{BASE}/subscriptions/", {"plan": world["plan"].pk, field: value})
        assert response.status_code == 400 and response.json()["code"] == "read_only_field"
    assert Subscription.objects.count() == 1


def test_second_current_subscription_is_409(api, world, tenant_admin):
    response = api(tenant_admin).post(f"{BASE}/subscriptions/", {"plan": world["plan2"].pk})
    assert response.status_code == 409 and response.json()["code"] == "subscription_exists"


def test_tenant_admin_cannot_cancel_immediately(api, world, tenant_admin):
    response = api(tenant_admin).post(f"{BASE}/subscriptions/{world['sub'].pk}/cancel/", {"immediately": True})
    assert response.status_code == 403
    assert Subscription.objects.get(pk=world["sub"].pk).status == S.ACTIVE


def test_verify_twice_is_409_and_unknown_action_400(api, world, super_admin):
    url = f"{BASE}/payments/{world['payment'].pk}/verify/"
    assert api(super_admin).post(url, {"action": "approve"}).json()["code"] == "invalid_choice"
    assert api(super_admin).post(url, {"action": "reject"}).json()["code"] == "reason_required"
    assert api(super_admin).post(url, {"action": "verify"}).status_code == 200
    again = api(super_admin).post(url, {"action": "verify"})
    assert again.status_code == 409 and again.json()["code"] == "payment_already_processed"


def test_staff_lists_span_tenants(api, world, super_admin, other_tenant):
    manual_invoice(other_tenant)
    rows = api(super_admin).get(f"{BASE}/staff/invoices/").json()["results"]
    assert {row["tenant"] for row in rows} == {world["tenant"].pk, other_tenant.pk}
    filtered = api(super_admin).get(f"{BASE}/staff/invoices/", {"tenant": other_tenant.pk}).json()
    assert filtered["count"] == 1


def test_invoice_pdf_holds_number_bill_to_and_total(api, world, tenant_admin):
    invoice = world["manual"]
    response = api(tenant_admin).get(f"{BASE}/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice.number in text
    assert "Alpha Ltd" in text
    assert "120.00 USD" in text
    assert "PAID" not in text
    invoice_services.invoice_void(tenant=invoice.tenant, actor=None, invoice=world["renewal"], reason="Typo")
    void_pdf = api(tenant_admin).get(f"{BASE}/invoices/{world['renewal'].pk}/pdf/")
    assert "VOID" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(void_pdf.content)).pages)


def test_proof_download_is_an_attachment(api, world, tenant_admin):
    response = api(tenant_admin).get(f"{BASE}/payments/{world['payment'].pk}/proof/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_dashboard_shows_subscription_invoices_usage(api, world, tenant_admin):
    data = api(tenant_admin).get(f"{BASE}/billing/dashboard/").json()
    assert data["subscription"]["id"] == world["sub"].pk
    assert {row["number"] for row in data["open_invoices"]} == {world["renewal"].number, world["manual"].number}
    usage = {row["resource"]: row for row in data["usage"]}
    assert set(usage) == {"users", "teams", "tasks", "storage_mb"}
    assert usage["users"]["limit"] == world["plan"].max_users and usage["users"]["used"] == 1
    assert [p["id"] for p in data["payments"]] == [world["payment"].pk]


def _add_rows(tenant, count):
    for _ in range(count):
        invoice = manual_invoice(tenant, "10.00")
        submitted_payment(invoice=invoice)
        SubscriptionFactory(tenant=tenant, status=S.CANCELLED)


@pytest.mark.parametrize(("path", "staff"), [
    ("subscriptions/", False), ("payments/", False), ("invoices/", False), ("plans/", False),
    ("staff/payments/", True), ("staff/invoices/", True), ("staff/subscriptions/", True),
])
def test_list_query_count_is_constant(api, world, tenant_admin, super_admin, django_assert_num_queries,
                                      path, staff):
    client = api(super_admin if staff else tenant_admin)
    url = f"{BASE}/{path}"
    client.get(url)  # warm the host cache
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    _add_rows(world["tenant"], 18)
    PlanFactory.create_batch(18)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    body = response.json()
    assert (len(body) if isinstance(body, list) else body["count"]) >= 19


def test_dashboard_query_count_is_constant(api, world, tenant_admin, django_assert_num_queries):
    client = api(tenant_admin)
    url = f"{BASE}/billing/dashboard/"
    client.get(url)  # warm the host cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_rows(world["tenant"], 12)
    with django_assert_num_queries(len(few.captured_queries)):
        data = client.get(url).json()
    assert len(data["open_invoices"]) == 14 and len(data["payments"]) == 10 and len(data["subscriptions"]) == 10


def test_staff_on_a_tenants_host_see_and_act_on_that_tenant_only(api, world, super_admin, other_tenant):
    other_invoice = manual_invoice(other_tenant)
    other_payment = submitted_payment(invoice=other_invoice)
    client = api(super_admin, host="alpha.localhost")
    rows = client.get(f"{BASE}/staff/payments/").json()["results"]
    assert [row["id"] for row in rows] == [world["payment"].pk]
    before = billing_state()
    for url in (f"{BASE}/payments/{other_payment.pk}/verify/", f"{BASE}/staff/invoices/{other_invoice.pk}/void/"):
        response = client.post(url, {"action": "verify", "reason": "x"} if "verify" in url else {"reason": "x"})
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    for url in (f"{BASE}/staff/payments/{other_payment.pk}/proof/", f"{BASE}/staff/invoices/{other_invoice.pk}/pdf/"):
        assert client.get(url).status_code == 404
    assert billing_state() == before
    # On the platform host the same payment is reachable.
    assert api(super_admin).post(f"{BASE}/payments/{other_payment.pk}/verify/", {"action": "verify"}).status_code == 200


@pytest.mark.parametrize("plan_fields", [{"is_public": False}, {"is_active": False}])
def test_subscribing_to_an_unavailable_plan_is_refused_by_the_service(api, world, tenant_admin, plan_fields):
    _end_subscription(world)
    hidden = PlanFactory(code="hidden", **plan_fields)
    before = billing_state()
    response = api(tenant_admin).post(f"{BASE}/subscriptions/", {"plan": hidden.pk})
    assert response.status_code == 400 and response.json()["code"] == "plan_unavailable"
    assert billing_state() == before
