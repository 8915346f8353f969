"""Base classes and helpers shared by every admin class of the control panel."""

import datetime
import re
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter
from unfold.decorators import display

from platform_admin.forms import ReasonForm
from platform_admin.paginator import LargeTablePaginator
from tenancy.exceptions import ServiceError


def admin_url(obj) -> str | None:
    """The control panel's page of `obj`, if it has one."""
    if obj is None or obj.pk is None:
        return None
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def local_datetime(value) -> str:
    """A moment as staff read it: in the platform's time zone, in the site's date format; "-" for none."""
    if value is None:
        return "-"
    return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")


def admin_link(obj, text=None) -> str:
    """A link to `obj`'s page (a record that names another leads to it); "-" for nothing."""
    if obj is None:
        return "-"
    url = admin_url(obj)
    if url is None:
        return str(text if text is not None else obj)
    return format_html('<a class="text-primary-600 font-medium hover:underline" href="{}">{}</a>', url,
                       text if text is not None else obj)


class LinkColumnsMixin:
    """List columns that link to the company, invoice, subscription, user a row names."""

    @display(description="Company", ordering="tenant__name")
    def company(self, obj):
        return admin_link(obj.tenant)

    @display(description="Invoice", ordering="invoice__number")
    def invoice_link(self, obj):
        return admin_link(obj.invoice)

    @display(description="Subscription")
    def subscription_link(self, obj):
        return admin_link(obj.subscription)

    @display(description="User", ordering="recipient__email")
    def recipient_link(self, obj):
        return admin_link(obj.recipient)

    @display(description="By", ordering="actor__email")
    def actor_link(self, obj):
        return admin_link(obj.actor) if obj.actor_id else "System"


class CompanyFilter(AutocompleteSelectFilter):
    """Filter by company (the model's field is called `tenant`; staff read "company")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "company"


class ReadOnlyMixin:
    """No add, change or delete through forms: rows change only through actions (services), if at all."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The largest primary key a database column holds: a bigger number in a form is an invalid choice, not a crash.
MAX_PK = 2**63 - 1


def _is_storable_pk(value) -> bool:
    try:
        return abs(int(str(value))) <= MAX_PK
    except (TypeError, ValueError):
        return True  # not a number: the field's own validation refuses it


def bound_choice_field(field: forms.Field) -> forms.Field:
    """Make a model choice field refuse ids no column can hold (SQLite raises OverflowError on them)."""
    if not isinstance(field, forms.ModelChoiceField):
        return field
    clean = field.clean

    def bounded_clean(value):
        values = value if isinstance(value, list | tuple) else [value]
        if not all(_is_storable_pk(item) for item in values if item not in (None, "")):
            raise ValidationError("Select a valid choice.", code="invalid_choice")
        return clean(value)

    field.clean = bounded_clean
    return field


def service_error_form(form_class: type[forms.BaseForm], error: ServiceError) -> type[forms.BaseForm]:
    """A form class that shows a service's refusal on the fields it names (or above the form)."""

    class ServiceRefusedForm(form_class):
        def clean(self):
            cleaned_data = super().clean()
            named = [name for name in error.fields if name in self.fields]
            for name in named:
                self.add_error(name, error.detail if len(named) == 1 else error.fields[name])
            if not named or len(named) > 1:
                self.add_error(None, error.detail)
            return cleaned_data

    ServiceRefusedForm.__name__ = form_class.__name__
    return ServiceRefusedForm


# Django's own add/change/delete messages ('The plan “Pro” was added successfully. You may edit it again below.').
DJANGO_SUCCESS = re.compile(r"^The (?P<name>.+?) “(?P<obj>.*)” was (?P<verb>added|changed|deleted) successfully\."
                            r"(?P<rest>.*)$", re.S)
SUCCESS_VERBS = {"added": "added", "changed": "saved", "deleted": "deleted"}


def success_message(message):
    """Say Django's success messages the panel's way: 'Plan “Pro” added.', 'Company “Acme” saved.'"""
    match = DJANGO_SUCCESS.match(str(message))
    if match is None:
        return message
    text = f"{capfirst(match['name'])} “{match['obj']}” {SUCCESS_VERBS[match['verb']]}."
    if "add another" in match["rest"]:
        text += " Add the next one below."
    # The parts come from a message Django built with format_html: escaped already (the object is a link).
    return mark_safe(text) if isinstance(message, SafeData) else text  # noqa: S308


class PlatformModelAdmin(LinkColumnsMixin, ModelAdmin):
    """Big lists page without a full COUNT; filters are applied with one submit.

    A service that refuses a form's save (a `ServiceError`) shows as a form error on the fields it names:
    the save is rolled back and the form is shown again with the error, never an error page.
    """

    show_full_result_count = False
    paginator = LargeTablePaginator
    list_filter_submit = True
    list_per_page = 50
    warn_unsaved_form = True
    # {action name: predicate(obj)}: a detail action is shown only when it can apply to the object's state.
    # The services still refuse a wrong transition (a row action or a stale page posts it anyway).
    detail_action_applies: dict[str, Callable] = {}

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS:
            message = success_message(message)
        super().message_user(request, message, level, *args, **kwargs)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            request.service_error = error  # the second pass shows it on the form and saves nothing
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        error = getattr(request, "service_error", None)
        return form if error is None else service_error_form(form, error)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name == "tenant":
            field.label = "Company"  # one word on every screen
        return bound_choice_field(field) if field is not None else None

    def get_readonly_fields(self, request, obj=None):
        # A read-only company is the linked "Company" column, never the model's "tenant" label.
        return ["company" if name == "tenant" else name for name in super().get_readonly_fields(request, obj)]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        readonly = set(self.get_readonly_fields(request, obj))
        if obj is None or ("company" not in readonly and self.has_change_permission(request, obj)):
            return fieldsets
        return [(name, {**options, "fields": ["company" if f == "tenant" else f for f in options["fields"]]})
                for name, options in fieldsets]

    def response_action(self, request, queryset):
        """Drop selected ids that cannot be ids (a tampered or stale form): they select nothing."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        valid = []
        for pk in selected:
            try:
                self.model._meta.pk.to_python(pk)
            except ValidationError:
                continue
            if _is_storable_pk(pk):
                valid.append(pk)
        if len(valid) != len(selected):
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, valid)
            queryset = queryset.filter(pk__in=valid) if valid else queryset.none()
        return super().response_action(request, queryset)

    def get_actions_detail(self, request: HttpRequest, object_id):
        actions = super().get_actions_detail(request, object_id)
        if not self.detail_action_applies or not actions:
            return actions
        obj = self.get_object(request, object_id)
        if obj is None:
            return actions
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}_"
        return [a for a in actions
                if self.detail_action_applies.get(a.action_name.removeprefix(prefix), lambda _: True)(obj)]

    def model_url(self, name: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def get_object_or_404(self, request: HttpRequest, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return obj

    def apply_service(self, request: HttpRequest, obj, call: Callable, *, done: str) -> bool:
        """Run one service call for `obj` and report the outcome as a message (the service writes the audit row)."""
        try:
            result = call()
        except ServiceError as exc:
            messages.error(request, f"{obj}: {exc.detail}")
            return False
        messages.success(request, done.format(obj=result if result is not None else obj))
        return True

    def apply_bulk(self, request: HttpRequest, queryset, call: Callable, *, done: str) -> None:
        """Run `call(obj)` for each selected object; each one succeeds or fails on its own."""
        succeeded = failed = 0
        for obj in queryset:
            try:
                call(obj)
            except ServiceError as exc:
                failed += 1
                messages.error(request, f"{obj}: {exc.detail}")
            else:
                succeeded += 1
        if succeeded:
            messages.success(request, done.format(count=succeeded))

    def bulk_confirm(self, request: HttpRequest, queryset, call: Callable, *, title: str, done: str,
                     skip: Callable | None = None, reason: bool = False, danger: bool = False) -> HttpResponse | None:
        """Ask first, on an intermediate page: how many rows change, which are skipped and why (and a reason when
        the action needs one); the second post, with "apply", runs `call(obj)` (or `call(obj, reason)`)."""
        form = (ReasonForm if reason else forms.Form)(request.POST if "apply" in request.POST else None)
        applicable, skipped = [], []
        for obj in queryset:
            why = skip(obj) if skip is not None else None
            (skipped.append((obj, why)) if why else applicable.append(obj))
        if form.is_bound and form.is_valid():
            text = form.cleaned_data.get("reason")
            self.apply_bulk(request, applicable, (lambda obj: call(obj, text)) if reason else call, done=done)
            if skipped:
                messages.warning(request, f"{len(skipped)} skipped: " + "; ".join(
                    f"{obj} ({why})" for obj, why in skipped[:10]) + ("…" if len(skipped) > 10 else ""))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "applicable": applicable[:200],
            "applicable_count": len(applicable),
            "skipped": skipped[:200],
            "skipped_count": len(skipped),
            "form": form,
            "danger": danger,
            "action": request.POST.get("action", ""),
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "platform_admin/bulk_confirm.html", context)


def history_value(field, value) -> str:
    """A value on a history page as staff read it: empty for nothing, choice labels, Yes/No, local dates."""
    if isinstance(value, DeletedObject):
        return "" if value.pk is None else f"{value.model._meta.verbose_name} #{value.pk} (deleted)"
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, datetime.datetime):
        return local_datetime(value)
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return value


class HistoryChangeHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return history_value(self.model._meta.get_field(change.field), value)


class HistoryAdmin(SimpleHistoryAdmin, PlatformModelAdmin):
    """A platform admin class with the object's history (django-simple-history).

    The history is for reading: "Revert" is off on every model of the control panel (no button, and the
    version page, simple-history's revert form, answers 403). Companies, users,
    subscriptions, payments and invoices change state only through their services (which check the
    transition, write the audit row and tell the people concerned); a revert would save an old form over
    them behind the services' back. Plans and settings are edited on their own pages instead.
    """

    object_history_list_template = "platform_admin/history_list.html"

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryChangeHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404  # rows are never deleted here: no row, no history
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        if not self.model.history.model.objects.filter(pk=version_id if str(version_id).isdigit() else None,
                                                       **{self.model._meta.pk.attname: unquote(object_id)}).exists():
            raise Http404
        # The version page is simple-history's revert form: there is none (see the class docstring). The
        # history list shows every version's changes.
        raise PermissionDenied


def back_to(request: HttpRequest, url: str) -> HttpResponse:
    """Leave a dialog: htmx follows the HX-Redirect header, a plain form post a redirect."""
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def next_url(request: HttpRequest, default: str) -> str:
    """Return to the change list a row action came from, otherwise to `default`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return default
