"""Bank-statement reconciliation in the control panel: upload with a column mapping, review, confirm.

Finance staff (who may change payments) use it; every write goes through
billing.services.reconciliation, and a confirmation through the same payment services as a proof.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from billing.models import BankLineStatus, BankStatementImport, BankStatementLine
from billing.services.reconciliation import DEFAULT_MAPPING, bank_line_confirm, bank_statement_import
from platform_admin.admin.actions import run_object_action
from platform_admin.admin.base import PlatformModelAdmin, ReadOnlyMixin
from tenancy.exceptions import ServiceError

LINE_LABELS = {BankLineStatus.MATCHED.label: "success", BankLineStatus.AMOUNT_MISMATCH.label: "warning",
               BankLineStatus.UNKNOWN_REFERENCE.label: "danger", BankLineStatus.DUPLICATE.label: "info",
               BankLineStatus.OUTGOING.label: "info", BankLineStatus.CONFIRMED.label: "success"}


def _text(label: str, key: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=100, required=required, initial=DEFAULT_MAPPING[key],
                           widget=UnfoldAdminTextInputWidget, help_text=help_text)


class BankStatementUploadForm(forms.Form):
    file = forms.FileField(label="Statement (CSV)", widget=UnfoldAdminFileFieldWidget,
                           help_text="A CSV export of the account's transactions, UTF-8, with a header line.")
    date = _text("Date column", "date")
    amount = _text("Amount column", "amount")
    currency = _text("Currency column", "currency", required=False,
                     help_text="Empty: every line is in the default currency below.")
    reference = _text("Reference / description column", "reference")
    counterparty = _text("Counterparty column", "counterparty", required=False)
    delimiter = forms.ChoiceField(choices=[(",", "Comma ,"), (";", "Semicolon ;"), ("\t", "Tab")], initial=",",
                                  widget=UnfoldAdminSelectWidget)
    date_format = forms.ChoiceField(choices=[("%Y-%m-%d", "2026-11-27"), ("%d.%m.%Y", "27.11.2026"),
                                             ("%d/%m/%Y", "27/11/2026"), ("%m/%d/%Y", "11/27/2026")],
                                    initial="%Y-%m-%d", widget=UnfoldAdminSelectWidget)
    decimal_separator = forms.ChoiceField(choices=[(".", "1,234.56"), (",", "1.234,56")], initial=".",
                                          widget=UnfoldAdminSelectWidget)
    default_currency = forms.CharField(max_length=3, min_length=3, initial=settings.DEFAULT_CURRENCY,
                                       widget=UnfoldAdminTextInputWidget)


class FinanceOnly:
    """Who may change payments may reconcile (the Finance group); nobody edits rows through forms."""

    def has_module_permission(self, request):
        return request.user.has_perm("billing.change_payment")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_payment")

    def has_reconcile_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_payment")


@admin.register(BankStatementImport)
class BankStatementImportAdmin(FinanceOnly, ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["show_file", "created_at", "created_by", "line_count", "matched", "mismatched", "unknown",
                    "duplicates", "confirmed"]
    list_select_related = ["created_by"]
    ordering = ["-created_at", "-id"]
    actions_list = ["upload_statement"]
    fields = ["file_name", "file_sha256", "mapping", "line_count", "created_by", "created_at"]

    def get_queryset(self, request):
        counts = {name: Count("lines", filter=Q(lines__status=status)) for name, status in (
            ("n_matched", BankLineStatus.MATCHED), ("n_mismatched", BankLineStatus.AMOUNT_MISMATCH),
            ("n_unknown", BankLineStatus.UNKNOWN_REFERENCE), ("n_duplicates", BankLineStatus.DUPLICATE),
            ("n_confirmed", BankLineStatus.CONFIRMED))}
        return super().get_queryset(request).annotate(**counts)

    @display(description="Statement")
    def show_file(self, obj):
        url = reverse("admin:billing_bankstatementline_changelist") + f"?statement__id__exact={obj.pk}"
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.file_name)

    @display(description="Matched")
    def matched(self, obj):
        return obj.n_matched

    @display(description="Amount mismatch")
    def mismatched(self, obj):
        return obj.n_mismatched

    @display(description="Unknown reference")
    def unknown(self, obj):
        return obj.n_unknown

    @display(description="Duplicates")
    def duplicates(self, obj):
        return obj.n_duplicates

    @display(description="Confirmed")
    def confirmed(self, obj):
        return obj.n_confirmed

    @action(description="Import a statement", icon="upload_file", permissions=["reconcile"], url_path="upload")
    def upload_statement(self, request):
        form = BankStatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            mapping = {key: data[key] for key in ("date", "amount", "currency", "reference", "counterparty",
                                                  "delimiter", "date_format", "decimal_separator")}
            try:
                statement = bank_statement_import(actor=request.user, file=data["file"], mapping=mapping,
                                                  default_currency=data["default_currency"])
            except ServiceError as exc:
                form.add_error("file", exc.detail)
            else:
                messages.success(request, f"{statement.line_count} lines imported: review them below.")
                return HttpResponseRedirect(reverse("admin:billing_bankstatementline_changelist")
                                            + f"?statement__id__exact={statement.pk}")
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "platform_admin/bank_statement_upload.html", {
            **self.admin_site.each_context(request), "title": "Import a bank statement", "opts": self.model._meta,
            "form": form, "sample": "fixtures/bank_statement_sample.csv"})


class LineStatusFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return BankLineStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(BankStatementLine)
class BankStatementLineAdmin(FinanceOnly, ReadOnlyMixin, PlatformModelAdmin):
    # Amount and currency in one column, the invoice and company as links: the review fits at 1440 px.
    list_display = ["position", "booked_on", "show_amount", "reference", "counterparty", "show_status",
                    "invoice_link", "company", "note"]
    list_filter = [LineStatusFilter, "statement"]
    list_select_related = ["invoice", "tenant", "statement"]
    search_fields = ["reference", "counterparty", "invoice__number"]
    ordering = ["statement", "position"]
    list_per_page = 100
    actions = ["bulk_confirm_lines"]
    actions_row = ["row_confirm"]
    detail_action_applies = {"row_confirm": lambda line: line.status == BankLineStatus.MATCHED}

    @display(description="Amount", ordering="amount")
    def show_amount(self, obj):
        return f"{obj.amount:,.2f} {obj.currency}"

    @display(description="Review", ordering="status", label=LINE_LABELS)
    def show_status(self, obj):
        return obj.get_status_display()

    @action(description="Confirm", icon="price_check", permissions=["reconcile"], url_path="confirm")
    def row_confirm(self, request, object_id):
        return run_object_action(self, request, object_id,
                                 lambda line: bank_line_confirm(actor=request.user, line=line),
                                 done="{obj}: payment recorded and verified.",
                                 back=lambda line: reverse("admin:billing_bankstatementline_changelist")
                                 + f"?statement__id__exact={line.statement_id}")

    @action(description="Confirm the selected matched lines…", permissions=["reconcile"])
    def bulk_confirm_lines(self, request, queryset):
        """Record and verify the payments of the selected matched lines, after a confirmation page."""
        return self.bulk_confirm(request, queryset.select_related("invoice", "tenant"),
                                 lambda line: bank_line_confirm(actor=request.user, line=line), title="Confirm",
                                 done="{count} confirmed.",
                                 skip=lambda line: None if line.status == BankLineStatus.MATCHED
                                 else f"{line.get_status_display().lower()}, not a match to confirm")
