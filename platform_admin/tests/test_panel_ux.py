"""The control panel's words, links, states, search and sign-in, as staff see them."""

import contextlib
import datetime
import re

import pytest
from django.contrib import admin
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from billing.models import InvoiceStatus, SubscriptionStatus, VerificationStatus
from billing.tests.factories import issued_invoice, submitted_payment
from platform_admin.tests.test_hostile_input import world  # noqa: F401  (the rows of every model)
from tenancy.audit import AuditVerb
from tenancy.models import ActivityLog, TenantStatus
from tenancy.tests.factories import TEST_PASSWORD, StaffFactory, TenantFactory

# Every stored code of a choice with more than one word (its label differs from the code by more than case).
ENUM_CODES = {"PENDING_PAYMENT", "PENDING_VERIFICATION", "PAST_DUE", "BANK_TRANSFER", "TENANT_ADMIN", "SUPER_ADMIN",
              "IN_PROGRESS", "IN_REVIEW"}
OUR_APPS = ("tenancy", "billing", "work", "platform_admin")


def _visible_text(html: str) -> str:
    """What a person reads: no scripts or styles, no attribute values (option values are codes by design)."""
    html = re.sub(r"<(script|style|template|textarea)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _headers_and_labels(html: str) -> list[str]:
    """Column headers, form labels, filter titles and options, badges: the words staff read as names."""
    html = re.sub(r'<span[^>]*material-symbols[^>]*>[^<]*</span>', " ", html)  # icon ligatures are not words
    found = re.findall(r"<(th|label|h2|h3|legend|option)\b[^>]*>(.*?)</\1>", html, flags=re.S)
    labels = [text for _, text in found]
    labels += re.findall(r'data-label="([^"]*)"', html)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in labels]


@pytest.fixture
def owner(db):
    return StaffFactory(email="owner@platform.example")


def _admin_pages(model, model_admin) -> list[str]:
    """The change list (plain, and with each of its filters' choices applied), the add page and a few rows."""
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    pages = [reverse(f"{prefix}_changelist")]
    with contextlib.suppress(NoReverseMatch):
        pages.append(reverse(f"{prefix}_add"))
    for obj in model._default_manager.order_by("pk")[:3]:
        pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return pages


@pytest.mark.heavy
def test_no_raw_code_or_generated_label_on_any_list_filter_or_page(client, world, owner):  # noqa: F811
    """Every registered admin's list (and each filter choice), add page and detail pages, as a superuser sees
    them: no enum code in the visible text, no `_` or "tenant" in a header, label, filter or badge."""
    client.force_login(owner)
    problems, visited = [], 0
    for model, model_admin in admin.site._registry.items():
        pages = _admin_pages(model, model_admin)
        changelist = client.get(pages[0], follow=True)
        if changelist.status_code == 200 and changelist.context and "cl" in changelist.context:
            for spec in changelist.context["cl"].filter_specs:  # each filter's choices, applied one at a time
                for choice in list(spec.choices(changelist.context["cl"]))[1:4]:
                    query = choice.get("query_string")
                    if query:
                        pages.append(pages[0] + query)
        for url in pages:
            response = client.get(url, follow=True)
            if response.status_code in (403, 404) and "/add/" in url:
                continue  # no add page for this model (rows are created by services)
            assert response.status_code == 200, url
            visited += 1
            html = response.content.decode()
            text = _visible_text(html)
            if "/activitylog/" not in url:  # an audit row's recorded changes are data, shown as recorded
                problems += [f"{url}: raw code {code}" for code in ENUM_CODES if re.search(rf"\b{code}\b", text)]
            labels = _headers_and_labels(html)
            # The beat schedule's task menu lists Celery task paths: that is what the owner schedules by.
            labels = [label for label in labels if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", label)]
            problems += [f"{url}: label {label!r}" for label in labels if "_" in label]
            problems += [f"{url}: label {label!r}" for label in labels if re.search(r"\btenants?\b", label, flags=re.I)]
            if "This page yielded into no results" in html:
                problems.append(f"{url}: unfold's default empty text")
    assert visited > 100
    assert not problems, "\n".join(sorted(set(problems)))


def _shown_names(model_admin, request, obj) -> list[str]:
    """The field and column names an admin renders: list columns and filters, the form's and inlines' fields."""
    names = [*model_admin.get_list_display(request)]
    for item in model_admin.get_list_filter(request):
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, tuple | list) and isinstance(item[0], str):
            names.append(item[0])
    for page_obj in ([None] if model_admin.has_add_permission(request) else []) + ([obj] if obj is not None else []):
        for _, options in model_admin.get_fieldsets(request, page_obj):
            for field in options["fields"]:
                names += list(field) if isinstance(field, tuple | list) else [field]
    return names


def test_every_rendered_model_field_has_a_human_name(rf, world, owner):  # noqa: F811
    """A field without a verbose_name shows its code name with one capital ("Max storage mb"): every field the
    control panel renders (lists, filters, forms, inlines) names itself, and every computed column says what it is."""
    from django.core.exceptions import FieldDoesNotExist

    request = rf.get("/admin/")
    request.user = owner
    missing = []

    def check(model, admin_object, names, where):
        for name in names:
            if callable(name) or name in ("action_checkbox", "__str__"):
                continue  # the row's own name
            lookup = name.split("__")[0]
            try:
                field = model._meta.get_field(lookup)
            except FieldDoesNotExist:
                attr = getattr(admin_object, name, None) or getattr(model, name, None)
                form_fields = getattr(getattr(admin_object, "add_form", None), "base_fields", {})
                if name not in form_fields and not getattr(attr, "short_description", None):
                    missing.append(f"{where}: column {name!r} has no description")
                continue
            if getattr(field, "auto_created", False) and not field.concrete:
                continue  # a reverse relation (an inline), named by its model
            if field.primary_key:
                continue
            if getattr(field, "_verbose_name", None) is None:
                missing.append(f"{where}: {model._meta.label}.{lookup} has no verbose_name")

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        obj = model._default_manager.order_by("pk").first()
        check(model, model_admin, _shown_names(model_admin, request, obj), type(model_admin).__name__)
        for inline in model_admin.get_inline_instances(request, obj):
            inline_names = [f for _, options in inline.get_fieldsets(request, obj) for f in options["fields"]]
            check(inline.model, inline, inline_names, f"{type(model_admin).__name__}.{type(inline).__name__}")
        if model._meta.verbose_name != model._meta.verbose_name.lower() or "tenant" in str(model._meta.verbose_name):
            missing.append(f"{model._meta.label}: model name {model._meta.verbose_name!r}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_row_actions_fit_the_state(client, owner):
    pending = TenantFactory(name="Waiting Co", status=TenantStatus.PENDING)
    active = TenantFactory(name="Busy Co", status=TenantStatus.ACTIVE)
    client.force_login(owner)
    html = client.get(reverse("admin:tenancy_tenant_changelist")).content.decode()
    assert reverse("admin:tenancy_tenant_row_approve", args=[pending.pk]) in html
    assert reverse("admin:tenancy_tenant_row_approve", args=[active.pk]) not in html
    assert reverse("admin:tenancy_tenant_row_suspend", args=[active.pk]) in html
    assert reverse("admin:tenancy_tenant_row_reactivate", args=[active.pk]) not in html


def test_the_users_tab_names_each_user_once_with_a_link(client, owner, tenant, tenant_admin):
    client.force_login(owner)
    html = client.get(reverse("admin:tenancy_tenant_change", args=[tenant.pk])).content.decode()
    tab = html[html.index(tenant_admin.email) - 2000:]
    assert _visible_text(html).count(tenant_admin.email) == 1
    assert reverse("admin:tenancy_user_change", args=[tenant_admin.pk]) in tab


@pytest.mark.parametrize("who, links", [("support", False), ("finance", True)])
def test_the_company_page_links_only_to_records_this_staff_member_may_open(request, client, who, links, tenant,
                                                                           subscription):
    invoice = issued_invoice(subscription=subscription)
    payment = submitted_payment(invoice=invoice)
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("admin:tenancy_tenant_change", args=[tenant.pk])).content.decode()
    overview = html[html.index('id="company-overview"'):]
    assert invoice.number in _visible_text(overview)
    billing_urls = [reverse("admin:billing_invoice_change", args=[invoice.pk]),
                    reverse("admin:billing_payment_change", args=[payment.pk]),
                    reverse("admin:billing_subscription_change", args=[subscription.pk]),
                    reverse("admin:billing_invoice_changelist")]
    assert [url in overview for url in billing_urls] == [links] * 4
    for url in billing_urls:  # what is linked opens; what is not would have been a 403
        assert client.get(url).status_code == (200 if links else 403)
    assert reverse("admin:tenancy_activitylog_changelist") in overview  # both may read the activity log


def test_company_page_shows_plan_balance_invoices_and_timeline(client, owner, tenant, tenant_admin, subscription):
    invoice = issued_invoice(subscription=subscription)
    invoice.due_on = timezone.localdate() - datetime.timedelta(days=4)
    invoice.save(update_fields=["due_on"])
    ActivityLog.objects.create(tenant=tenant, actor=tenant_admin, verb="tenant.approved", object_repr=tenant.name)
    client.force_login(owner)
    html = client.get(reverse("admin:tenancy_tenant_change", args=[tenant.pk])).content.decode()
    assert 'id="company-overview"' in html
    assert subscription.plan.name in html
    assert reverse("admin:billing_subscription_change", args=[subscription.pk]) in html
    assert f"{invoice.total:,.2f} {invoice.currency}" in _visible_text(html)
    assert "Overdue 4 days" in html
    assert reverse("admin:billing_invoice_change", args=[invoice.pk]) in html
    timeline = html[html.index('id="company-timeline"'):]
    assert tenant_admin.email in timeline


def test_dunning_filters_and_overdue_badge(client, owner, subscription):
    late, soon = issued_invoice(subscription=subscription), issued_invoice(subscription=subscription)
    today = timezone.localdate()
    late.due_on, soon.due_on = today - datetime.timedelta(days=9), today + datetime.timedelta(days=3)
    late.save(update_fields=["due_on"])
    soon.save(update_fields=["due_on"])
    client.force_login(owner)
    changelist = reverse("admin:billing_invoice_changelist")
    assert list(client.get(changelist + "?dunning=overdue").context["cl"].result_list) == [late]
    response = client.get(changelist + "?dunning=due_week")
    assert list(response.context["cl"].result_list) == [soon]
    assert "overdue 9 days" in client.get(changelist).content.decode()
    subscription.status, subscription.trial_ends_on = SubscriptionStatus.TRIAL, today + datetime.timedelta(days=2)
    subscription.save(update_fields=["status", "trial_ends_on"])
    trials = client.get(reverse("admin:billing_subscription_changelist") + "?trial=ending").context["cl"].result_list
    assert list(trials) == [subscription]
    companies = client.get(reverse("admin:tenancy_tenant_changelist")).content.decode()
    assert f"{late.total + soon.total:,.2f}" in companies  # amount due per company


def test_global_search_groups_what_each_group_may_see(client, owner, finance, support, tenant, pending_payment):
    invoice = pending_payment.invoice
    url = reverse("admin:search")
    client.force_login(owner)
    html = client.get(url, {"s": tenant.slug, "extended": "1"}).content.decode()
    assert "Company · " in html and reverse("admin:tenancy_tenant_change", args=[tenant.pk]) in html
    html = client.get(url, {"s": invoice.number, "extended": "1"}).content.decode()
    assert reverse("admin:billing_invoice_change", args=[invoice.pk]) in html
    html = client.get(url, {"s": pending_payment.reference, "extended": "1"}).content.decode()
    assert reverse("admin:billing_payment_change", args=[pending_payment.pk]) in html
    client.force_login(support)  # support sees companies and users, not payments
    html = client.get(url, {"s": pending_payment.reference, "extended": "1"}).content.decode()
    assert reverse("admin:billing_payment_change", args=[pending_payment.pk]) not in html
    assert 'id="search-input-command"' in client.get(reverse("admin:index")).content.decode()


def test_login_lands_on_the_dashboard_and_nothing_points_to_a_missing_site(client, owner):
    page = client.get(reverse("admin:login")).content.decode()
    assert "Return to site" not in page and reverse("admin_password_reset") in page
    response = client.post(reverse("admin:login"), {"username": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert "Return to site" not in client.get(reverse("admin:logout")).content.decode()


def test_staff_password_reset_by_email(client, owner, tenant_admin, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin_password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and b"new_password1" in page.content
    new_password = "a-fresh-passphrase-2026"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302 and done["Location"] == reverse("admin_password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    row = ActivityLog.objects.get(verb=AuditVerb.USER_PASSWORD_RESET)
    assert (row.actor, row.object_id, row.channel, row.tenant) == (owner, str(owner.pk), "admin", None)
    # A company user gets nothing here (the portal resets theirs); the answer is the same.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin_password_reset"), {"email": tenant_admin.email})
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_success_message_reads_well(client, owner):
    from platform_admin.models import SystemSetting

    client.force_login(owner)
    response = client.post(reverse("admin:platform_admin_systemsetting_add"),
                           {"issuer_name": "Platform Inc.", "issuer_address": "", "issuer_tax_id": "",
                            "issuer_email": "", "renewal_lead_days": "", "grace_days": "", "_save": "1"},
                           follow=True)
    assert SystemSetting.objects.count() == 1
    assert "The system settings were saved." in response.content.decode()


def test_add_and_change_messages_read_well(client, owner, tenant):
    """Not Django's 'The plan “Team” was added successfully. You may edit it again below.'"""
    from billing.models import Plan
    from platform_admin.tests.crawl import form_fields

    client.force_login(owner)
    add = reverse("admin:billing_plan_add")
    fields = form_fields(client.get(add).content.decode())
    fields.update({"code": "team", "name": "Team", "price": "9.00", "currency": "USD", "_continue": "1"})
    page = client.post(add, fields, follow=True).content.decode()
    plan = Plan.objects.get(code="team")
    link = reverse("admin:billing_plan_change", args=[plan.pk])
    assert f'Plan “<a href="{link}">Team</a>” added.' in page and "successfully" not in page
    change = reverse("admin:tenancy_tenant_change", args=[tenant.pk])
    fields = form_fields(client.get(change).content.decode())
    page = client.post(change, {**fields, "contact_name": "Ada"}, follow=True).content.decode()
    assert f"Company “<a href=\"{change}\">{tenant.name}</a>” saved." in page and "successfully" not in page


@pytest.mark.parametrize("status", [InvoiceStatus.ISSUED])
def test_payment_rows_link_to_company_and_invoice(client, finance, pending_payment, status):
    client.force_login(finance)
    html = client.get(reverse("admin:billing_payment_changelist")).content.decode()
    assert reverse("admin:tenancy_tenant_change", args=[pending_payment.tenant_id]) in html
    assert reverse("admin:billing_invoice_change", args=[pending_payment.invoice_id]) in html
    assert pending_payment.verification_status == VerificationStatus.PENDING
    assert submitted_payment  # the factory used by the fixture


def test_a_plan_price_edit_warns_about_live_subscribers(client, owner, subscription):
    client.force_login(owner)
    html = client.get(reverse("admin:billing_plan_change", args=[subscription.plan_id])).content.decode()
    assert "1 live subscription uses this plan" in html
    listing = client.get(reverse("admin:billing_plan_changelist")).content.decode()
    assert "10 / 5 / 100 / 1,000 MB" in listing  # one column for the limits: the list fits at 1440 px


def _code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_finance_must_set_up_two_factor_when_required_then_signs_in_with_a_code(client, finance, support, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.STAFF_2FA_REQUIRED = True
    login = reverse("admin:login")
    response = client.post(login, {"username": finance.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("admin:two_factor")
    assert client.get(reverse("admin:index")).status_code == 302  # no panel before the second factor
    page = client.get(reverse("admin:two_factor")).content.decode()
    assert 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    assert "not the current one" in client.post(reverse("admin:two_factor"), {"token": "000000"}).content.decode() \
        or _code(device) == "000000"
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code slows the next try down (django-otp's throttling)
    response = client.post(reverse("admin:two_factor"), {"token": _code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    # The next login needs the app's code.
    client.logout()
    response = client.post(login, {"username": finance.email, "password": TEST_PASSWORD, "otp_token": "12"})
    assert response.status_code == 200 and "authenticator app" in response.content.decode()
    device.refresh_from_db()
    device.last_t = -1  # the code above was used once already; a new login uses the current one again
    device.save(update_fields=["last_t"])
    device.throttle_reset()
    response = client.post(login, {"username": finance.email, "password": TEST_PASSWORD, "otp_token": _code(device)})
    assert response.status_code == 302 and client.get(reverse("admin:index")).status_code == 200
    # Support is not required to: the password alone lets them in.
    client.logout()
    client.post(login, {"username": support.email, "password": TEST_PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200


def test_two_factor_is_optional_when_not_required(client, finance, settings):
    settings.STAFF_2FA_REQUIRED = False
    response = client.post(reverse("admin:login"), {"username": finance.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    assert 'id="totp-secret"' in client.get(reverse("admin:two_factor")).content.decode()


def test_own_password_change_in_the_panel_is_audited(client, owner):
    client.force_login(owner)
    new_password = "another-fresh-passphrase-2026"
    response = client.post(reverse("admin:password_change"), {"old_password": TEST_PASSWORD,
                                                              "new_password1": new_password,
                                                              "new_password2": new_password})
    assert response.status_code == 302 and response["Location"] == reverse("admin:password_change_done")
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    assert client.get(reverse("admin:index")).status_code == 200  # the session survives its own change
    row = ActivityLog.objects.get(verb=AuditVerb.USER_PASSWORD_CHANGED)
    assert (row.actor, row.channel) == (owner, "admin")


def test_two_factor_on_and_off_in_the_panel_writes_audit_rows(client, finance, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.STAFF_2FA_REQUIRED = False
    client.force_login(finance)
    url = reverse("admin:two_factor")
    client.get(url)
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    response = client.post(url, {"token": "12345678"})  # not a code: a form error, no row
    assert response.status_code == 200 and not ActivityLog.objects.exists()
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(url, {"token": _code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert list(ActivityLog.objects.values_list("verb", "actor", "channel")) == [
        (AuditVerb.USER_TWO_FACTOR_ENABLED, finance.pk, "admin")]
    page = client.get(url).content.decode()
    assert 'id="two-factor-off"' in page
    device.refresh_from_db()
    device.last_t = -1  # the enabling code was used once; the same window's code turns it off
    device.save(update_fields=["last_t"])
    response = client.post(url, {"token": _code(device)})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=finance).exists()
    assert ActivityLog.objects.filter(verb=AuditVerb.USER_TWO_FACTOR_DISABLED, actor=finance).count() == 1


def test_an_owner_resets_a_lost_second_factor_with_an_audit_row(client, owner, finance, support):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=finance, name="Authenticator app", confirmed=True)
    url = reverse("admin:tenancy_user_row_two_factor_reset", args=[finance.pk])
    client.force_login(support)  # not an owner: no such action for Support
    assert client.post(url, {"_form_submitted": "on"}).status_code == 403
    assert TOTPDevice.objects.filter(user=finance).exists() and not ActivityLog.objects.exists()
    client.force_login(owner)
    page = client.get(reverse("admin:tenancy_user_change", args=[finance.pk])).content.decode()
    assert url in page  # offered where it applies...
    assert url.replace(str(finance.pk), str(support.pk)) not in client.get(
        reverse("admin:tenancy_user_change", args=[support.pk])).content.decode()  # ...not without a device
    response = client.post(url, {"_form_submitted": "on"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=finance).exists()
    assert list(ActivityLog.objects.values_list("verb", "actor", "object_id", "channel")) == [
        (AuditVerb.USER_TWO_FACTOR_DISABLED, owner.pk, str(finance.pk), "admin")]
    client.post(url, {"_form_submitted": "on"})  # nothing left to reset: refused, no second row
    assert ActivityLog.objects.count() == 1
    # django-otp's own device admin (deleting without a trace) is not in the control panel.
    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_changelist")


def test_a_group_that_must_use_two_factor_cannot_turn_it_off(client, finance, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from platform_admin.services import staff_two_factor_disable
    from tenancy.exceptions import ServiceError

    settings.STAFF_2FA_REQUIRED = True
    device = TOTPDevice.objects.create(user=finance, name="Authenticator app", confirmed=True)
    with pytest.raises(ServiceError) as refused:
        staff_two_factor_disable(user=finance, token=_code(device))
    assert refused.value.code == "two_factor_required"
    assert TOTPDevice.objects.filter(user=finance).exists() and not ActivityLog.objects.exists()
