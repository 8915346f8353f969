"""Plans, subscriptions, payments and invoices: every action calls the billing services the API calls."""

import datetime
import logging

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from billing import pdf
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    Plan,
    Subscription,
    SubscriptionStatus,
    VerificationStatus,
)
from billing.services.documents import invoice_pdf_bytes
from billing.services.invoices import (
    invoice_create,
    invoice_create_and_issue,
    invoice_issue,
    invoice_void,
)
from billing.services.payments import payment_reject, payment_verify
from billing.services.plans import PLAN_EDITABLE_FIELDS, plan_create, plan_update
from billing.services.settlement import invoice_mark_paid
from billing.services.subscriptions import (
    subscription_cancel,
    subscription_change_plan,
    subscription_create,
    subscription_extend,
    subscription_set_reprice_at_renewal,
)
from platform_admin.admin.actions import run_object_action
from platform_admin.admin.base import CompanyFilter, HistoryAdmin, ReadOnlyMixin, back_to
from platform_admin.exports import StreamingExportMixin, StreamingImportExportMixin
from platform_admin.forms import (
    CancelDialogForm,
    ChangePlanDialogForm,
    ConfirmForm,
    ExtendDialogForm,
    InvoiceCreateDialogForm,
    ReasonDialogForm,
    RepriceDialogForm,
    SubscriptionCreateDialogForm,
    VerifyPaymentDialogForm,
)
from platform_admin.resources import InvoiceResource, PaymentResource, PlanResource, SubscriptionResource
from platform_admin.scale import PrefetchListMixin
from platform_admin.selectors import invoice_days_late
from tenancy.exceptions import ServiceError
from tenancy.files import attachment_response, preview_png, preview_response

SUBSCRIPTION_LABELS = {"TRIAL": "info", "PENDING_PAYMENT": "warning", "PENDING_VERIFICATION": "warning",
                       "ACTIVE": "success", "PAST_DUE": "danger", "EXPIRED": "danger", "CANCELLED": "info"}
VERIFICATION_LABELS = {"PENDING": "warning", "VERIFIED": "success", "REJECTED": "danger"}
INVOICE_LABELS = {"DRAFT": "info", "ISSUED": "warning", "PAID": "success", "VOID": "danger"}

logger = logging.getLogger(__name__)


LIVE_STATUSES = [SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
                 SubscriptionStatus.PENDING_PAYMENT, SubscriptionStatus.PENDING_VERIFICATION]


class DunningFilter(admin.SimpleListFilter):
    """Invoices by what finance chases: overdue, due this week."""

    title = "dunning"
    parameter_name = "dunning"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("due_week", "Due this week")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(status=InvoiceStatus.ISSUED, due_on__lt=today)
        if self.value() == "due_week":
            return queryset.filter(status=InvoiceStatus.ISSUED, due_on__gte=today,
                                   due_on__lte=today + datetime.timedelta(days=7))
        return queryset


class RevenueFilter(admin.SimpleListFilter):
    """The invoices the dashboard's revenue figures add up (paid, including those voided after payment)."""

    title = "revenue"
    parameter_name = "revenue"

    def lookups(self, request, model_admin):
        return [("this_month", "Paid this month"), ("12_months", "Paid in the last 12 months")]

    def queryset(self, request, queryset):
        from platform_admin.selectors import paid_in_months

        months = {"this_month": 1, "12_months": 12}.get(self.value())
        return paid_in_months(queryset, months=months, today=timezone.localdate()) if months else queryset


class TrialEndingFilter(admin.SimpleListFilter):
    """Trials that end within a week: the companies to talk to before they lapse."""

    title = "trial"
    parameter_name = "trial"

    def lookups(self, request, model_admin):
        return [("ending", "Trial ending this week")]

    def queryset(self, request, queryset):
        if self.value() == "ending":
            today = timezone.localdate()
            return queryset.filter(status=SubscriptionStatus.TRIAL, trial_ends_on__gte=today,
                                   trial_ends_on__lte=today + datetime.timedelta(days=7))
        return queryset


class ServiceOnlyAdmin(ReadOnlyMixin, HistoryAdmin):
    """Rows change only through the actions (the services); the forms are read-only."""


# --- plans ----------------------------------------------------------------------------------------------------


@admin.register(Plan)
class PlanAdmin(StreamingImportExportMixin, HistoryAdmin):
    list_display = ["name", "code", "price", "currency", "period", "trial_days", "limits", "is_active", "is_public",
                    "order"]
    list_filter = ["is_active", "is_public", "period"]
    search_fields = ["name", "code"]
    resource_classes = [PlanResource]

    @display(description="Limits (users / teams / tasks / storage)")
    def limits(self, obj):
        def show(value, unit=""):
            return "∞" if value is None else f"{value:,}{unit}"

        return (f"{show(obj.max_users)} / {show(obj.max_teams)} / {show(obj.max_tasks)} / "
                f"{show(obj.max_storage_mb, ' MB')}")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "price" in form.base_fields:
            live = Subscription.objects.filter(plan=obj, status__in=LIVE_STATUSES).count()
            if live:
                form.base_fields["price"].help_text = (
                    f"{live} live subscription{'s use' if live != 1 else ' uses'} this plan: a new price applies from "
                    "each one's next invoice.")
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # subscriptions keep their plan; retire a plan with "is active" instead

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in PLAN_EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            saved = plan_update(actor=request.user, plan=obj, **values)
        else:
            saved = plan_create(actor=request.user, code=form.cleaned_data["code"], **values)
        obj.pk = saved.pk


# --- subscriptions --------------------------------------------------------------------------------------------


@admin.register(Subscription)
class SubscriptionAdmin(StreamingExportMixin, ServiceOnlyAdmin):
    list_display = ["company", "plan", "show_status", "show_terms", "current_period_start", "current_period_end",
                    "next_plan", "cancel_at_period_end"]
    list_filter = ["status", TrialEndingFilter, ("tenant", CompanyFilter), "plan",
                   ("current_period_end", RangeDateFilter)]
    list_select_related = ["tenant", "plan", "next_plan"]
    search_fields = ["tenant__name", "tenant__slug"]
    ordering = ["-created_at", "-id"]
    resource_classes = [SubscriptionResource]
    actions_row = ["row_cancel", "row_extend", "row_change_plan", "row_reprice"]
    actions_detail = ["row_cancel", "row_extend", "row_change_plan", "row_reprice"]
    actions_list = ["create_subscription"]
    detail_action_applies = {
        "row_cancel": lambda s: s.can_transition_to(SubscriptionStatus.CANCELLED),
        "row_extend": lambda s: s.status in (SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE),
        "row_change_plan": lambda s: (s.status in (SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE)
                                      and not s.cancel_at_period_end),
        "row_reprice": lambda s: s.status in (SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE,
                                              SubscriptionStatus.PAST_DUE),
    }

    @display(description="Status", ordering="status", label=SUBSCRIPTION_LABELS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Sold at", ordering="price")
    def show_terms(self, obj):
        repriced = " (plan price from renewal)" if obj.reprice_at_renewal else ""
        return f"{obj.price} {obj.currency} / {obj.get_period_display().lower()}{repriced}"

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_subscription")

    @action(description="New subscription", icon="add_card", permissions=["manage"], url_path="create",
            dialog={"title": "Subscribe a company", "description": "A trial once per company; paid plans get "
                    "their first invoice.", "form_class": SubscriptionCreateDialogForm,
                    "form_submit_text": "Subscribe"})
    def create_subscription(self, request, form):
        tenant, plan = form.cleaned_data["tenant"], form.cleaned_data["plan"]
        self.apply_service(request, Subscription(tenant=tenant, plan=plan),
                           lambda: subscription_create(tenant=tenant, actor=request.user, plan=plan),
                           done="{obj} created.")
        return back_to(request, self.model_url("changelist"))

    @action(description="Cancel", icon="cancel", permissions=["manage"], url_path="cancel",
            variant=ActionVariant.DANGER,
            dialog={"title": "Cancel this subscription", "description": "Unpaid invoices are voided.",
                    "form_class": CancelDialogForm, "form_submit_text": "Cancel subscription", "variant": "danger"})
    def row_cancel(self, request, form, object_id):
        immediately = form.cleaned_data["immediately"]
        return run_object_action(self, request, object_id,
                                 lambda s: subscription_cancel(tenant=s.tenant, actor=request.user, subscription=s,
                                                               immediately=immediately),
                                 done="{obj}: cancelled.")

    @action(description="Extend the period", icon="more_time", permissions=["manage"], url_path="extend",
            dialog={"title": "Extend the period", "description": "Goodwill days for a trial or active subscription.",
                    "form_class": ExtendDialogForm, "form_submit_text": "Extend"})
    def row_extend(self, request, form, object_id):
        days = form.cleaned_data["days"]
        return run_object_action(self, request, object_id,
                                 lambda s: subscription_extend(tenant=s.tenant, actor=request.user, subscription=s,
                                                               days=days),
                                 done="{obj}: extended.")

    @action(description="Change plan", icon="swap_horiz", permissions=["manage"], url_path="change-plan",
            dialog={"title": "Change the plan", "description": "From the next period; no proration.",
                    "form_class": ChangePlanDialogForm, "form_submit_text": "Change plan"})
    def row_change_plan(self, request, form, object_id):
        plan = form.cleaned_data["plan"]
        return run_object_action(self, request, object_id,
                                 lambda s: subscription_change_plan(tenant=s.tenant, actor=request.user,
                                                                    subscription=s, plan=plan),
                                 done="{obj}: plan changed for the next period.")

    @action(description="Renewal price", icon="price_change", permissions=["manage"], url_path="reprice",
            dialog={"title": "Price of the next renewal", "description": "A subscription keeps the price it was "
                    "sold at; choose whether its next renewal bills the plan's current price instead. An "
                    "already issued renewal invoice is re-issued.", "form_class": RepriceDialogForm,
                    "form_submit_text": "Save"})
    def row_reprice(self, request, form, object_id):
        reprice = form.cleaned_data["reprice"]
        return run_object_action(self, request, object_id,
                                 lambda s: subscription_set_reprice_at_renewal(tenant=s.tenant, actor=request.user,
                                                                               subscription=s, reprice=reprice),
                                 done="{obj}: renewal price saved.")


# --- payments -------------------------------------------------------------------------------------------------


class VerificationFilter(admin.SimpleListFilter):
    """The sidebar opens the queue (?verification=PENDING); without the parameter, "Show all" shows all."""

    title = "verification"
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("PENDING", "Awaiting verification"), ("VERIFIED", "Verified"), ("REJECTED", "Rejected")]

    def queryset(self, request, queryset):
        if self.value() in VerificationStatus.values:
            return queryset.filter(verification_status=self.value())
        return queryset  # no value, "all" (older links) or an unknown one: every payment


def _verify_unless_reused(request, payment):
    if payment.proof_duplicate_of_id:  # a reused proof is checked and acknowledged on its own page
        raise ServiceError("The proof file was sent before; verify it on its page.", code="proof_reused")
    return payment_verify(tenant=payment.tenant, actor=request.user, payment=payment)


@admin.register(Payment)
class PaymentAdmin(PrefetchListMixin, StreamingExportMixin, ServiceOnlyAdmin):
    list_display = ["created_at", "company", "invoice_link", "amount", "currency", "method", "reference", "paid_on",
                    "show_verification", "show_proof_check"]
    list_filter = [VerificationFilter, "method", ("tenant", CompanyFilter), ("paid_on", RangeDateFilter)]
    list_prefetch = ["tenant", "invoice"]  # by id for the page: indexes (verification_status, created_at)
    search_fields = ["reference", "invoice__number", "tenant__name"]
    ordering = ["-created_at", "-id"]
    resource_classes = [PaymentResource]
    fieldsets = [
        ("Payment", {"fields": ["company", "invoice_link", "amount", "currency", "method", "reference", "paid_on",
                                "submitted_by", "created_at"]}),
        ("Proof", {"fields": ["proof_check", "proof_preview", "proof_original_name", "proof_content_type",
                              "proof_hash"]}),
        ("Decision", {"fields": ["status", "verification_status", "verified_by", "verified_at",
                                 "rejection_reason", "previous_subscription_status"]}),
    ]
    readonly_fields = ["company", "invoice_link", "amount", "currency", "method", "reference", "paid_on",
                       "submitted_by", "created_at", "proof_check", "proof_preview", "proof_original_name",
                       "proof_content_type", "proof_hash",
                       "status", "verification_status", "verified_by", "verified_at", "rejection_reason",
                       "previous_subscription_status"]
    actions = ["bulk_verify", "bulk_reject"]
    actions_row = ["row_verify", "row_reject"]
    actions_detail = ["row_verify", "row_reject"]
    detail_action_applies = {
        "row_verify": lambda p: p.verification_status == VerificationStatus.PENDING,
        "row_reject": lambda p: p.verification_status == VerificationStatus.PENDING,
    }

    @display(description="Verification", ordering="verification_status", label=VERIFICATION_LABELS)
    def show_verification(self, obj):
        return obj.verification_status, obj.get_verification_status_display()

    @display(description="Proof check", label={"Reused proof": "danger", "First seen": "success"})
    def show_proof_check(self, obj):
        return "Reused proof" if obj.proof_duplicate_of_id else "First seen"

    @display(description="Proof SHA-256")
    def proof_hash(self, obj):
        return format_html('<code style="word-break: break-all">{}</code>', obj.proof_sha256 or "-")

    @display(description="Proof check")
    def proof_check(self, obj):
        earlier = obj.proof_duplicate_of
        if earlier is None:
            return "This proof file has not been sent before."
        return format_html(
            '<strong id="proof-reused" class="text-red-600" style="overflow-wrap: anywhere">Reused proof: the '
            'same file (SHA-256) was '
            'sent with <a class="underline" href="{}">payment #{}</a> ({}, invoice {}, {}).</strong>',
            reverse("admin:billing_payment_change", args=[earlier.pk]), earlier.pk, earlier.tenant,
            earlier.invoice, earlier.get_verification_status_display().lower())

    @display(description="Proof")
    def proof_preview(self, obj):
        url = reverse("admin:billing_payment_proof", args=[obj.pk])
        if obj.proof_content_type.startswith("image/") or obj.proof_content_type == "application/pdf":
            # A picture made on the server (the first page, or the image re-encoded): never the file itself
            # inline on the control panel's origin, where a PDF or a polyglot could carry script.
            return format_html('<div class="flex flex-col gap-2 w-full"><img id="payment-proof" src="{}?preview=1" '
                               'alt="Payment proof (first page)" class="rounded-default border border-base-200" '
                               'style="width: 100%; max-width: 48rem; height: auto">'
                               '<a class="text-primary-600 underline" href="{}">'
                               'Download the proof</a></div>', url, url)
        return format_html('<a id="payment-proof" class="text-primary-600 underline" href="{}">'
                           'Download the proof ({})</a>', url, obj.proof_content_type)

    def get_urls(self):
        return [path("<path:object_id>/proof/", self.admin_site.admin_view(self.proof_view),
                     name="billing_payment_proof"), *super().get_urls()]

    def proof_view(self, request, object_id):
        """Serve the proof to staff who may see payments (never from a public URL)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        payment = self.get_object_or_404(request, object_id)
        if request.GET.get("preview"):
            try:
                return preview_response(preview_png(payment.proof, content_type=payment.proof_content_type))
            except Exception:
                logger.warning("could not draw a preview of payment %s's proof", payment.pk, exc_info=True)
                raise Http404("No preview.") from None
        extension = payment.proof.name.rsplit(".", 1)[-1] if "." in payment.proof.name else "bin"
        response = attachment_response(payment.proof, filename=f"payment-{payment.pk}-proof.{extension}",
                                       content_type=payment.proof_content_type)
        return response

    def has_verify_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_payment")

    @action(description="Verify", icon="verified", permissions=["verify"], url_path="verify",
            variant=ActionVariant.SUCCESS,
            dialog={"title": "Verify this payment?",
                    "description": "The invoice becomes paid and the subscription active.",
                    "form_class": VerifyPaymentDialogForm, "form_submit_text": "Verify"})
    def row_verify(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda p: payment_verify(tenant=p.tenant, actor=request.user, payment=p),
                                 done="Payment {obj} verified.")

    @action(description="Reject", icon="block", permissions=["verify"], url_path="reject",
            variant=ActionVariant.DANGER,
            dialog={"title": "Reject this payment", "description": "The reason is sent to the company's admins.",
                    "form_class": ReasonDialogForm, "form_submit_text": "Reject", "variant": "danger"})
    def row_reject(self, request, form, object_id):
        reason = form.cleaned_data["reason"]
        return run_object_action(self, request, object_id,
                                 lambda p: payment_reject(tenant=p.tenant, actor=request.user, payment=p,
                                                          reason=reason),
                                 done="Payment {obj} rejected.")

    @action(description="Verify the selected payments…", permissions=["verify"])
    def bulk_verify(self, request, queryset):
        return self.bulk_confirm(request, queryset.select_related("tenant", "invoice"),
                                 lambda p: _verify_unless_reused(request, p), title="Verify",
                                 done="{count} verified.",
                                 skip=lambda p: _awaiting(p) or ("the proof file was sent before: verify it on its "
                                                                 "page" if p.proof_duplicate_of_id else None))

    @action(description="Reject the selected payments…", permissions=["verify"])
    def bulk_reject(self, request, queryset):
        return self.bulk_confirm(
            request, queryset.select_related("tenant", "invoice"),
            lambda p, reason: payment_reject(tenant=p.tenant, actor=request.user, payment=p, reason=reason),
            title="Reject", done="{count} rejected.", reason=True, danger=True, skip=_awaiting)


def _awaiting(payment) -> str | None:
    """Why a payment is skipped by a bulk verify or reject (None: it awaits verification)."""
    if payment.verification_status == VerificationStatus.PENDING:
        return None
    return f"already {payment.get_verification_status_display().lower()}"


# --- invoices -------------------------------------------------------------------------------------------------


class InvoiceLineInline(TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_price", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(PrefetchListMixin, StreamingExportMixin, ServiceOnlyAdmin):
    list_display = ["show_number", "company", "show_status", "kind", "issued_on", "show_due", "total", "currency"]
    list_filter = ["status", DunningFilter, RevenueFilter, "kind", "currency", ("tenant", CompanyFilter),
                   ("issued_on", RangeDateFilter), ("due_on", RangeDateFilter)]
    list_prefetch = ["tenant"]  # by id for the page: index (created_at)
    search_fields = ["number", "tenant__name", "bill_to_name"]
    ordering = ["-created_at", "-id"]
    resource_classes = [InvoiceResource]
    inlines = [InvoiceLineInline]
    fieldsets = [
        ("Invoice", {"fields": ["number", "status", "kind", "company", "subscription", "plan", "issued_on", "due_on",
                                "period_start", "period_end", "paid_at", "voided_at", "void_reason"]}),
        ("Amounts", {"fields": ["currency", "subtotal", "tax_rate", "tax", "total", "credited_invoice"]}),
        ("Archived PDFs", {"fields": ["show_documents"],
                           "description": "Rendered once (as issued, paid, voided) and served byte for byte; "
                                          "the SHA-256 proves a copy unchanged."}),
        ("Parties", {"classes": ["collapse"], "fields": ["bill_to_name", "bill_to_address", "bill_to_tax_id",
                                                         "bill_to_email", "issuer_name", "issuer_address",
                                                         "issuer_tax_id", "issuer_email", "notes"]}),
    ]
    actions_row = ["row_pdf", "row_issue", "row_mark_paid", "row_void"]
    actions_detail = ["row_pdf", "row_issue", "row_mark_paid", "row_void"]
    actions_list = ["create_invoice"]
    detail_action_applies = {
        "row_issue": lambda i: i.status == InvoiceStatus.DRAFT,
        "row_mark_paid": lambda i: i.status == InvoiceStatus.ISSUED,
        "row_void": lambda i: i.can_transition_to(InvoiceStatus.VOID) and not i.is_credit_note,
    }

    @display(description="Number", ordering="number")
    def show_number(self, obj):
        return str(obj)

    @display(description="Archived PDFs")
    def show_documents(self, obj):
        documents = list(obj.documents.order_by("created_at", "id")) if obj.pk else []
        if not documents:
            return "Not archived yet (archived on issue, or on the first download)."
        return format_html_join(
            mark_safe("<br>"),
            '<span id="pdf-{}">{}, {} bytes, SHA-256 <code style="word-break: break-all">{}</code></span>',
            ((d.purpose.lower(), d.get_purpose_display(), d.size, d.sha256) for d in documents))

    @display(description="Status", ordering="status", label=INVOICE_LABELS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Due", ordering="due_on", label={"late": "danger", "due": "info"})
    def show_due(self, obj):
        if obj.due_on is None:
            return None
        late = invoice_days_late(obj, timezone.localdate())
        day = date_format(obj.due_on, "DATE_FORMAT")
        if late:
            return "late", f"{day}: overdue {late} day{'s' if late != 1 else ''}"
        return "due", day

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_invoice")

    def has_create_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_invoice")

    def has_download_permission(self, request, obj=None):
        return self.has_view_permission(request)

    @action(description="Download PDF", icon="picture_as_pdf", permissions=["download"], url_path="pdf")
    def row_pdf(self, request, object_id):
        invoice = self.get_object_or_404(request, object_id)
        response = HttpResponse(invoice_pdf_bytes(invoice=invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.invoice_pdf_filename(invoice)}"'
        return response

    @action(description="Issue", icon="send", permissions=["manage"], url_path="issue",
            dialog={"title": "Issue this invoice?", "description": "It gets the next number and becomes immutable.",
                    "form_class": ConfirmForm, "form_submit_text": "Issue"})
    def row_issue(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda i: invoice_issue(tenant=i.tenant, actor=request.user, invoice=i),
                                 done="Invoice {obj} issued.")

    @action(description="Mark paid", icon="paid", permissions=["manage"], url_path="mark-paid",
            variant=ActionVariant.SUCCESS,
            dialog={"title": "Mark this invoice paid?",
                    "description": "For money received outside a payment proof; the subscription is activated.",
                    "form_class": ConfirmForm, "form_submit_text": "Mark paid"})
    def row_mark_paid(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda i: invoice_mark_paid(tenant=i.tenant, actor=request.user, invoice=i),
                                 done="Invoice {obj} marked paid.")

    @action(description="Void", icon="do_not_disturb_on", permissions=["manage"], url_path="void",
            variant=ActionVariant.DANGER,
            dialog={"title": "Void this invoice",
                    "description": "Its number stays used; a paid invoice gets a credit note (CN-YYYY-NNNNNN).",
                    "form_class": ReasonDialogForm, "form_submit_text": "Void", "variant": "danger"})
    def row_void(self, request, form, object_id):
        reason = form.cleaned_data["reason"]
        return run_object_action(self, request, object_id,
                                 lambda i: invoice_void(tenant=i.tenant, actor=request.user, invoice=i,
                                                        reason=reason),
                                 done="Invoice {obj} voided.")

    @action(description="New invoice", icon="post_add", permissions=["create"], url_path="create",
            dialog={"title": "New invoice", "description": "A one-line invoice for services outside the plan.",
                    "form_class": InvoiceCreateDialogForm, "form_submit_text": "Create"})
    def create_invoice(self, request, form):
        data = form.cleaned_data
        tenant = data["tenant"]
        service = invoice_create_and_issue if data["issue_now"] else invoice_create
        fields = {"tenant": tenant, "actor": request.user, "currency": data["currency"], "tax_rate": data["tax_rate"],
                  "due_on": data["due_on"], "lines": [{"description": data["description"],
                                                       "quantity": data["quantity"],
                                                       "unit_price": data["unit_price"]}]}
        self.apply_service(request, Invoice(tenant=tenant), lambda: service(**fields),
                           done="Invoice {obj} created.")
        return back_to(request, self.model_url("changelist"))

