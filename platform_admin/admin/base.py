"""Base classes and helpers shared by every admin class of the control panel."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin import helpers
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from platform_admin.forms import ReasonForm
from platform_admin.paginator import LargeTablePaginator
from tenancy.exceptions import ServiceError


class ReadOnlyMixin:
    """No add, change or delete through forms: rows change only through actions (services), if at all."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformModelAdmin(ModelAdmin):
    """Big lists page without a full COUNT; filters are applied with one submit."""

    show_full_result_count = False
    paginator = LargeTablePaginator
    list_filter_submit = True
    list_per_page = 50
    warn_unsaved_form = True
    # {action name: predicate(obj)}: a detail action is shown only when it can apply to the object's state.
    # The services still refuse a wrong transition (a row action or a stale page posts it anyway).
    detail_action_applies: dict[str, Callable] = {}

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
        from django.http import Http404

        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return obj

    def apply_service(self, request: HttpRequest, obj, call: Callable, *, done: str, verb: str = "") -> bool:
        """Run one service call for `obj` and report the outcome as a message (the service writes the audit row)."""
        try:
            result = call()
        except ServiceError as exc:
            messages.error(request, f"{obj}: {exc.detail}")
            return False
        messages.success(request, done.format(obj=result if result is not None else obj))
        return True

    def apply_bulk(self, request: HttpRequest, queryset, call: Callable, *, done: str, verb: str) -> None:
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

    def bulk_with_reason(self, request: HttpRequest, queryset, call: Callable, *, title: str, done: str,
                         verb: str) -> HttpResponse | None:
        """Ask for a reason on an intermediate page, then run `call(obj, reason)` for each selected object."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self.apply_bulk(request, queryset, lambda obj: call(obj, reason), done=done, verb=verb)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "objects": list(queryset[:200]),
            "count": queryset.count(),
            "form": form,
            "action": request.POST.get("action", ""),
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "platform_admin/bulk_reason.html", context)


class HistoryAdmin(SimpleHistoryAdmin, PlatformModelAdmin):
    """A platform admin class with the object's history (django-simple-history)."""


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
