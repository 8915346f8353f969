"""Companies, their domains and settings, users, invitations, the activity log and notifications."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import OuterRef, Subquery, Sum
from django.forms.models import BaseInlineFormSet
from unfold.admin import StackedInline, TabularInline
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.forms import AdminPasswordChangeForm, BaseDialogForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminEmailInputWidget, UnfoldAdminTextInputWidget

from billing.models import Invoice, InvoiceStatus, Payment, Subscription
from platform_admin.admin.actions import run_object_action
from platform_admin.admin.base import (
    CompanyFilter,
    HistoryAdmin,
    PlatformModelAdmin,
    ReadOnlyMixin,
    admin_link,
    back_to,
)
from platform_admin.exports import StreamingExportMixin
from platform_admin.forms import ConfirmForm, ReasonDialogForm, RoleDialogForm
from platform_admin.resources import TenantResource
from platform_admin.scale import IndexedSearchMixin
from platform_admin.services import (
    staff_two_factor_reset,
    user_change_role,
    user_send_password_reset,
    user_set_active,
)
from platform_admin.twofactor import has_second_factor
from tenancy.crypto import blind_index
from tenancy.exceptions import ServiceError
from tenancy.models import (
    ActivityLog,
    Domain,
    Notification,
    Role,
    Tenant,
    TenantInvitation,
    TenantSettings,
    TenantStatus,
    User,
)
from tenancy.services.domains import domain_remove, domain_remove_check, domain_staff_check, domain_staff_save
from tenancy.services.members import tenant_admin_invite
from tenancy.services.tenants import (
    tenant_approve,
    tenant_create,
    tenant_reactivate,
    tenant_reject,
    tenant_settings_check,
    tenant_settings_update,
    tenant_suspend,
    tenant_update,
)

admin.site.unregister(Group)

TENANT_STATUS_LABELS = {"PENDING": "warning", "ACTIVE": "success", "SUSPENDED": "danger", "REJECTED": "info"}


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, PlatformModelAdmin):
    pass


# --- companies ------------------------------------------------------------------------------------------------


def add_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a service's refusal on the inline row's fields it names (or above the row)."""
    named = [name for name in error.fields if name in form.fields]
    for name in named:
        form.add_error(name, error.fields[name] if len(named) > 1 else error.detail)
    if not named:
        form.add_error(None, error.detail)


class DomainFormSet(BaseInlineFormSet):
    """Domains are checked by tenancy.services.domains (errors on their rows) and saved by TenantAdmin.save_formset
    through `domain_staff_save` / `domain_remove`, which write the audit rows."""

    def clean(self):
        super().clean()
        live = [form for form in self.forms if hasattr(form, "cleaned_data") and not self._should_delete_form(form)]
        primaries = [form for form in live if form.cleaned_data.get("is_primary")]
        if len(primaries) > 1:
            raise forms.ValidationError("Only one domain can be primary.")
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.errors:
                continue
            domain = form.instance if form.instance.pk else None
            try:
                if self._should_delete_form(form):
                    current = Domain.objects.filter(pk=domain.pk).first() if domain is not None else None
                    if current is not None:
                        domain_remove_check(current)
                elif form.has_changed():
                    data = form.cleaned_data
                    domain_staff_check(tenant=self.instance, domain=domain, host=data["host"],
                                       is_primary=data["is_primary"], status=data["status"],
                                       primary_elsewhere=any(other is not form for other in primaries))
            except ServiceError as error:
                add_service_error(form, error)

    def save_through_services(self, *, actor) -> None:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        tenant = self.instance
        # The row made primary first: it demotes the old primary, whose row may then untick its flag.
        changed = sorted((form for form in self.forms if form.has_changed() and not self._should_delete_form(form)),
                         key=lambda form: not form.cleaned_data.get("is_primary"))
        for form in self.forms:
            if self._should_delete_form(form) and form.instance.pk:
                domain_remove(tenant=tenant, actor=actor, domain=form.instance)
                self.deleted_objects.append(form.instance)
        for form in changed:
            data, domain = form.cleaned_data, (form.instance if form.instance.pk else None)
            saved = domain_staff_save(tenant=tenant, actor=actor, domain=domain, host=data["host"],
                                      is_primary=data["is_primary"], status=data["status"])
            if domain is None:
                self.new_objects.append(saved)
            else:
                self.changed_objects.append((saved, form.changed_data))


class DomainInline(TabularInline):
    model = Domain
    formset = DomainFormSet
    extra = 0
    # Staff override: setting a custom domain's status to Active here skips its DNS check.
    fields = ["host", "is_primary", "status", "verified_at", "last_checked_at", "last_error_code"]
    readonly_fields = ["verified_at", "last_checked_at", "last_error_code"]
    tab = True


class TenantSettingsFormSet(BaseInlineFormSet):
    """The settings are checked by tenancy.services.tenants (errors on the row) and saved by TenantAdmin.save_formset
    through `tenant_settings_update`, which writes the audit row."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if hasattr(form, "cleaned_data") and not form.errors and form.has_changed():
                try:
                    tenant_settings_check({name: form.cleaned_data[name] for name in form.changed_data})
                except ServiceError as error:
                    add_service_error(form, error)

    def save_through_services(self, *, actor) -> None:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.forms:
            if not form.has_changed():
                continue
            existed = bool(form.instance.pk)
            row = tenant_settings_update(tenant=self.instance, actor=actor,
                                         **{name: form.cleaned_data[name] for name in form.changed_data})
            (self.changed_objects.append((row, form.changed_data)) if existed else self.new_objects.append(row))


class TenantSettingsInline(StackedInline):
    model = TenantSettings
    formset = TenantSettingsFormSet
    verbose_name = verbose_name_plural = "company settings"
    can_delete = False
    extra = 0
    tab = True
    fields = ["legal_name", "billing_email", "billing_address", "tax_id", "timezone", "locale", "brand_color",
              "logo_url"]
    formfield_overrides = {
        **StackedInline.formfield_overrides,
        models.URLField: {**StackedInline.formfield_overrides.get(models.URLField, {}), "assume_scheme": "https"},
    }


class CompanyRowsTab(ReadOnlyMixin, TabularInline):
    """A tab of the company page listing its rows, each linking to its own page (read-only, like every row
    that only services change)."""

    extra = 0
    can_delete = False
    show_change_link = True
    tab = True


class UserInline(CompanyRowsTab):
    model = User
    fields = ["user_email", "first_name", "last_name", "role", "is_active", "last_login"]
    readonly_fields = fields
    verbose_name_plural = "users"
    per_page = 20
    hide_title = True  # the row's title is the e-mail again; the e-mail column links to the user instead

    @display(description="E-mail")
    def user_email(self, obj):
        return admin_link(obj, obj.email)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("email")


class SubscriptionInline(CompanyRowsTab):
    model = Subscription
    fields = ["plan", "status", "current_period_start", "current_period_end", "next_plan", "cancel_at_period_end"]
    readonly_fields = fields
    per_page = 10

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan", "next_plan").order_by("-created_at", "-id")


class PaymentInline(CompanyRowsTab):
    model = Payment
    fields = ["created_at", "invoice", "amount", "currency", "method", "verification_status"]
    readonly_fields = fields
    per_page = 10

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice").order_by("-created_at", "-id")


class TenantCreateDialogForm(BaseDialogForm):
    name = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget)
    subdomain = forms.CharField(max_length=63, widget=UnfoldAdminTextInputWidget,
                                help_text="The company's address: <subdomain>.<platform domain>.")
    contact_email = forms.EmailField(widget=UnfoldAdminEmailInputWidget)
    contact_name = forms.CharField(max_length=200, required=False, widget=UnfoldAdminTextInputWidget)
    admin_email = forms.EmailField(required=False, widget=UnfoldAdminEmailInputWidget,
                                   label="First admin's e-mail",
                                   help_text="Optional: invites the company's first admin by e-mail.")


class AdminInviteDialogForm(BaseDialogForm):
    email = forms.EmailField(widget=UnfoldAdminEmailInputWidget, label="E-mail",
                             help_text="They get an invitation to join as the company's admin.")


@admin.register(Tenant)
class TenantAdmin(IndexedSearchMixin, StreamingExportMixin, HistoryAdmin):
    list_display = ["name", "slug", "show_status", "show_amount_due", "contact_email", "created_at"]
    list_filter = ["status", ("created_at", RangeDateFilter)]
    search_fields = ["name", "slug", "contact_email", "domains__host"]
    fulltext_search = ["name"]
    prefix_search = ["slug", "contact_email", "domains__host"]
    ordering = ["-created_at", "-id"]
    readonly_fields = ["overview", "slug", "status", "approved_at", "approved_by", "rejected_at", "rejected_by",
                       "rejection_reason", "suspended_at", "suspended_by", "suspension_reason",
                       "is_suspended_for_nonpayment", "created_at", "updated_at"]
    fieldsets = [
        ("Overview", {"fields": ["overview"]}),
        (None, {"fields": ["name", "slug", "status"]}),
        ("Contact", {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        ("Decisions", {"fields": ["approved_at", "approved_by", "rejected_at", "rejected_by",
                                                      "rejection_reason", "suspended_at", "suspended_by",
                                                      "suspension_reason", "is_suspended_for_nonpayment",
                                                      "created_at", "updated_at"]}),
    ]
    inlines = [DomainInline, TenantSettingsInline, SubscriptionInline, PaymentInline, UserInline]
    resource_classes = [TenantResource]
    actions = ["bulk_approve", "bulk_reject", "bulk_suspend", "bulk_reactivate"]
    actions_row = ["row_approve", "row_reject", "row_suspend", "row_reactivate"]
    actions_detail = ["row_approve", "row_reject", "row_suspend", "row_reactivate", "row_invite_admin"]
    actions_list = ["create_tenant"]
    detail_action_applies = {
        "row_approve": lambda t: t.status in (TenantStatus.PENDING, TenantStatus.REJECTED),
        "row_reject": lambda t: t.status == TenantStatus.PENDING,
        "row_suspend": lambda t: t.status == TenantStatus.ACTIVE,
        "row_reactivate": lambda t: t.status == TenantStatus.SUSPENDED,
    }

    @display(description="Status", ordering="status", label=TENANT_STATUS_LABELS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Amount due", ordering="amount_due")
    def show_amount_due(self, obj):
        return f"{obj.amount_due:,.2f}" if obj.amount_due else "-"

    def get_queryset(self, request):
        open_total = (Invoice.objects.filter(tenant=OuterRef("pk"), status=InvoiceStatus.ISSUED)
                      .order_by().values("tenant").annotate(total=Sum("total")).values("total"))
        return super().get_queryset(request).annotate(amount_due=Subquery(open_total))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_request = request  # the overview links only to what this staff member may open
        return obj

    @display(description="Customer view")
    def overview(self, obj):
        """The company at a glance (as Stripe's customer page): plan, balance, invoices, payments, timeline.
        Records this staff member may not open (Support and billing) are named, not linked."""
        from django.template.loader import render_to_string
        from django.utils import timezone

        from platform_admin.selectors import company_overview

        request = getattr(obj, "_admin_request", None)
        can = {name: request is not None and self.admin_site.get_model_admin(model).has_view_permission(request)
               for name, model in (("subscription", Subscription), ("invoice", Invoice), ("payment", Payment),
                                   ("activity", ActivityLog))}
        context = company_overview(tenant=obj, today=timezone.localdate())
        return render_to_string("platform_admin/company_overview.html",
                                {**context, "tenant": obj, "can": can})  # escaped

    def get_search_results(self, request, queryset, search_term):
        """Also find a company by its exact tax id, through the blind index (the column is encrypted)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        index = blind_index(search_term)
        if index:
            results = results | queryset.filter(settings__tax_id_index=index)
        return results, may_have_duplicates

    def has_add_permission(self, request):
        return False  # companies are created through the service (sign-up, or the "New company" dialog)

    def has_delete_permission(self, request, obj=None):
        return False  # rejected or suspended, never deleted: invoices must stay

    def has_decide_permission(self, request, obj=None):
        return request.user.has_perm("tenancy.change_tenant")

    def has_create_permission(self, request, obj=None):
        return request.user.has_perm("tenancy.add_tenant")

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        tenant_update(tenant=obj, actor=request.user, **changes)

    def save_formset(self, request, form, formset, change):
        """Domains and settings are written by their services (validated, audited); the other inlines are read-only."""
        if hasattr(formset, "save_through_services"):
            formset.save_through_services(actor=request.user)
        else:
            super().save_formset(request, form, formset, change)

    # Row and detail actions: a dialog asks (and a GET never changes anything); the POST applies.

    @action(description="Approve", icon="check_circle", permissions=["decide"], url_path="approve",
            variant=ActionVariant.SUCCESS,
            dialog={"title": "Approve this company?", "description": "Its admins are told and may choose a plan.",
                    "form_class": ConfirmForm, "form_submit_text": "Approve"})
    def row_approve(self, request, form, object_id):
        return run_object_action(self, request, object_id, lambda t: tenant_approve(tenant=t, actor=request.user),
                                 done="{obj} approved.")

    @action(description="Reject", icon="block", permissions=["decide"], url_path="reject",
            variant=ActionVariant.DANGER,
            dialog={"title": "Reject this company", "description": "The reason is sent to its admin.",
                    "form_class": ReasonDialogForm, "form_submit_text": "Reject", "variant": "danger"})
    def row_reject(self, request, form, object_id):
        reason = form.cleaned_data["reason"]
        return run_object_action(self, request, object_id,
                                 lambda t: tenant_reject(tenant=t, actor=request.user, reason=reason),
                                 done="{obj} rejected.")

    @action(description="Suspend", icon="pause_circle", permissions=["decide"], url_path="suspend",
            variant=ActionVariant.WARNING,
            dialog={"title": "Suspend this company", "description": "Its users may still read and pay.",
                    "form_class": ReasonDialogForm, "form_submit_text": "Suspend", "variant": "danger"})
    def row_suspend(self, request, form, object_id):
        reason = form.cleaned_data["reason"]
        return run_object_action(self, request, object_id,
                                 lambda t: tenant_suspend(tenant=t, actor=request.user, reason=reason),
                                 done="{obj} suspended.")

    @action(description="Reactivate", icon="play_circle", permissions=["decide"], url_path="reactivate",
            dialog={"title": "Reactivate this company?", "description": "Its users may work again.",
                    "form_class": ConfirmForm, "form_submit_text": "Reactivate"})
    def row_reactivate(self, request, form, object_id):
        return run_object_action(self, request, object_id, lambda t: tenant_reactivate(tenant=t, actor=request.user),
                                 done="{obj} reactivated.")

    @action(description="New company", icon="add_business", permissions=["create"], url_path="create",
            dialog={"title": "New company", "description": "Created active, with its subdomain and settings.",
                    "form_class": TenantCreateDialogForm, "form_submit_text": "Create"})
    def create_tenant(self, request, form):
        data = form.cleaned_data
        self.apply_service(
            request, Tenant(name=data["name"]),
            lambda: tenant_create(actor=request.user, name=data["name"], subdomain=data["subdomain"],
                                  contact_email=data["contact_email"], contact_name=data["contact_name"],
                                  admin_email=data["admin_email"]),
            done="{obj} created.")
        return back_to(request, self.model_url("changelist"))

    @action(description="Invite an admin", icon="person_add", permissions=["decide"], url_path="invite-admin",
            dialog={"title": "Invite a company admin", "description": "The open invitation holds a user seat.",
                    "form_class": AdminInviteDialogForm, "form_submit_text": "Invite"})
    def row_invite_admin(self, request, form, object_id):
        email = form.cleaned_data["email"]
        return run_object_action(self, request, object_id,
                                 lambda t: tenant_admin_invite(tenant=t, actor=request.user, email=email)[0].tenant,
                                 done="Invitation sent to " + email.replace("{", "{{").replace("}", "}}") + ".")

    # Bulk actions on the selected rows.

    @action(description="Approve the selected companies…", permissions=["decide"])
    def bulk_approve(self, request, queryset):
        return self.bulk_confirm(request, queryset, lambda t: tenant_approve(tenant=t, actor=request.user),
                                 title="Approve", done="{count} approved.",
                                 skip=_skip_unless("row_approve", "approve"))

    @action(description="Reject the selected companies…", permissions=["decide"])
    def bulk_reject(self, request, queryset):
        return self.bulk_confirm(request, queryset,
                                 lambda t, reason: tenant_reject(tenant=t, actor=request.user, reason=reason),
                                 title="Reject", done="{count} rejected.", reason=True, danger=True,
                                 skip=_skip_unless("row_reject", "reject"))

    @action(description="Suspend the selected companies…", permissions=["decide"])
    def bulk_suspend(self, request, queryset):
        return self.bulk_confirm(request, queryset,
                                 lambda t, reason: tenant_suspend(tenant=t, actor=request.user, reason=reason),
                                 title="Suspend", done="{count} suspended.", reason=True,
                                 danger=True, skip=_skip_unless("row_suspend", "suspend"))

    @action(description="Reactivate the selected companies…", permissions=["decide"])
    def bulk_reactivate(self, request, queryset):
        return self.bulk_confirm(request, queryset, lambda t: tenant_reactivate(tenant=t, actor=request.user),
                                 title="Reactivate", done="{count} reactivated.",
                                 skip=_skip_unless("row_reactivate", "reactivate"))


def _skip_unless(action_name: str, verb: str):
    """Skip a company the state table does not let `verb` apply to, saying which state it is in."""
    applies = TenantAdmin.detail_action_applies[action_name]
    return lambda t: None if applies(t) else f"{t.get_status_display().lower()}, cannot {verb}"


# --- users ----------------------------------------------------------------------------------------------------


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["email"]


class UserTypeFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("staff", "Platform staff"), ("tenant", "Company users")]

    def queryset(self, request, queryset):
        if self.value() == "staff":
            return queryset.filter(tenant__isnull=True)
        if self.value() == "tenant":
            return queryset.filter(tenant__isnull=False)
        return queryset


@admin.register(User)
class UserAdmin(IndexedSearchMixin, HistoryAdmin, BaseUserAdmin):
    form = UserChangeForm
    add_form = StaffCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "company", "role", "is_active", "is_staff"]
    list_filter = [UserTypeFilter, "role", "is_active", ("tenant", CompanyFilter)]
    list_select_related = ["tenant"]
    search_fields = ["email", "first_name", "last_name", "tenant__name"]
    # An e-mail prefix reads the unique e-mail index; names through their FULLTEXT index.
    prefix_search = ["email"]
    fulltext_search = ["first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        ("Company", {"fields": ["company", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions_row = ["row_deactivate", "row_activate", "row_password_reset"]
    actions_detail = ["row_change_role", "row_deactivate", "row_activate", "row_password_reset",
                      "row_two_factor_reset"]
    actions = ["bulk_deactivate"]
    detail_action_applies = {
        "row_change_role": lambda u: u.tenant_id is not None,
        "row_deactivate": lambda u: u.is_active,
        "row_activate": lambda u: not u.is_active,
        "row_password_reset": lambda u: u.is_active and u.has_usable_password(),
        "row_two_factor_reset": lambda u: u.tenant_id is None and u.is_staff and has_second_factor(u),
    }

    def get_readonly_fields(self, request, obj=None):
        # Role and active flag change only through the actions (the company keeps one admin);
        # only a superuser grants staff rights, and never to a company user.
        fixed = ["company", "role", "is_active", "last_login", "date_joined"]
        if obj is None:
            return []
        if not request.user.is_superuser or obj.tenant_id is not None:
            fixed += ["is_staff", "is_superuser", "groups"]
        return fixed

    def has_add_permission(self, request):
        return request.user.is_superuser  # only staff accounts are added here; companies invite their users

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: activity and invoices keep their authors

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm("tenancy.change_user")

    def has_reset_two_factor_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff, obj.role, obj.tenant = True, Role.SUPER_ADMIN, None
        super().save_model(request, obj, form, change)

    @action(description="Change role", icon="badge", permissions=["manage"], url_path="change-role",
            dialog={"title": "Change the company role", "description": "The company keeps at least one admin.",
                    "form_class": RoleDialogForm, "form_submit_text": "Change role"})
    def row_change_role(self, request, form, object_id):
        role = form.cleaned_data["role"]
        return run_object_action(self, request, object_id,
                                 lambda u: user_change_role(actor=request.user, user=u, role=role),
                                 done="{obj}: role changed.")

    @action(description="Deactivate", icon="person_off", permissions=["manage"], url_path="deactivate",
            variant=ActionVariant.DANGER,
            dialog={"title": "Deactivate this account?", "description": "It can no longer log in; its tokens stop.",
                    "form_class": ConfirmForm, "form_submit_text": "Deactivate", "variant": "danger"})
    def row_deactivate(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda u: user_set_active(actor=request.user, user=u, is_active=False),
                                 done="{obj} deactivated.")

    @action(description="Activate", icon="person_check", permissions=["manage"], url_path="activate",
            dialog={"title": "Activate this account?", "description": "", "form_class": ConfirmForm,
                    "form_submit_text": "Activate"})
    def row_activate(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda u: user_set_active(actor=request.user, user=u, is_active=True),
                                 done="{obj} activated.")

    @action(description="Send password reset", icon="lock_reset", permissions=["manage"],
            url_path="password-reset",
            dialog={"title": "Send a password reset e-mail?", "description": "The link is valid for a few days.",
                    "form_class": ConfirmForm, "form_submit_text": "Send"})
    def row_password_reset(self, request, form, object_id):
        return run_object_action(self, request, object_id, lambda u: user_send_password_reset(user=u),
                                 done="Password reset sent to {obj}.")

    @action(description="Reset two-factor sign-in", icon="phonelink_erase", permissions=["reset_two_factor"],
            url_path="two-factor-reset", variant=ActionVariant.DANGER,
            dialog={"title": "Reset two-factor sign-in?",
                    "description": "For a lost phone: the next sign-in is by password alone, then they set up "
                                   "a new authenticator app.",
                    "form_class": ConfirmForm, "form_submit_text": "Reset", "variant": "danger"})
    def row_two_factor_reset(self, request, form, object_id):
        return run_object_action(self, request, object_id,
                                 lambda u: staff_two_factor_reset(actor=request.user, user=u),
                                 done="Two-factor sign-in of {obj} reset.")

    @action(description="Deactivate the selected accounts…", permissions=["manage"])
    def bulk_deactivate(self, request, queryset):
        return self.bulk_confirm(request, queryset,
                                 lambda u: user_set_active(actor=request.user, user=u, is_active=False),
                                 title="Deactivate", done="{count} deactivated.", danger=True,
                                 skip=lambda u: None if u.is_active else "already inactive")


@admin.register(TenantInvitation)
class TenantInvitationAdmin(PlatformModelAdmin):
    list_display = ["email", "company", "role", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", ("tenant", CompanyFilter)]
    list_select_related = ["tenant"]
    search_fields = ["email", "tenant__name"]
    exclude = ["token_hash"]
    readonly_fields = ["tenant", "email", "role", "expires_at", "invited_by", "accepted_at",
                       "accepted_user", "revoked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["created_at", "company", "recipient_link", "type", "title", "read_at"]
    list_filter = ["type", ("tenant", CompanyFilter)]
    list_select_related = ["tenant", "recipient"]
    search_fields = ["title", "recipient__email"]
