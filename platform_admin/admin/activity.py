"""The activity log, read like Stripe's event log: who did what to which object, and what changed."""

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display
from unfold.views import ChangeList

from platform_admin.admin.base import CompanyFilter, PlatformModelAdmin, ReadOnlyMixin, admin_link, local_datetime
from tenancy.models import ActivityLog

EMPTY = "—"


def _model_of(object_type: str):
    """The model an audit row names ("billing.payment"), or None when it names none (or an unknown one)."""
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _change_url(model, object_id: str) -> str | None:
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
    except NoReverseMatch:
        return None


def object_urls(rows, request=None) -> None:
    """Set `object_url` on each row: its object's page, or None when the object is gone, has no page or is
    not for this staff member (`request`) to see.

    One query per kind of object on the page (not per row), so a change list stays a fixed number of queries.
    """
    wanted: dict[str, set] = {}
    for row in rows:
        row.object_url = None
        if row.object_id:
            wanted.setdefault(row.object_type, set()).add(row.object_id)
    existing: dict[str, set[str]] = {}
    for object_type, ids in wanted.items():
        model = _model_of(object_type)
        if model is None or not admin.site.is_registered(model):
            continue
        if request is not None and not admin.site.get_model_admin(model).has_view_permission(request):
            continue
        keys = []
        for object_id in ids:
            try:
                keys.append(model._meta.pk.to_python(object_id))
            except ValidationError:
                continue
        found = model._base_manager.filter(pk__in=keys).values_list("pk", flat=True) if keys else []
        existing[object_type] = {str(pk) for pk in found}
    for row in rows:
        if row.object_id in existing.get(row.object_type, ()):
            row.object_url = _change_url(_model_of(row.object_type), row.object_id)


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field, value) -> str:
    """A recorded value as staff read it: choice labels, Yes/No, an em dash for nothing."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if field is not None and getattr(field, "many_to_one", False):
        return f"#{value}"
    return str(value)


def changes_rows(entry: ActivityLog) -> list[tuple[str, str, str]]:
    """The recorded diff as (field label, old, new) rows."""
    if not isinstance(entry.changes, dict):
        return []
    model = _model_of(entry.object_type)
    rows = []
    for name, pair in entry.changes.items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        label = capfirst(str(field.verbose_name)) if field is not None else capfirst(name.replace("_", " "))
        rows.append((label, _value(field, old), _value(field, new)))
    return rows


def render_changes(entry: ActivityLog, *, limit: int | None = None) -> str:
    """The diff as "Field: old → new" lines; nothing at all for an empty diff.

    In a list (`limit` given) a phone sees one truncated line (its list rows keep one height), a wider
    screen the first `limit` changes; the entry's own page shows them all.
    """
    rows = changes_rows(entry)
    if not rows:
        return ""
    shown = rows[:limit] if limit else rows
    more = len(rows) - len(shown)
    lines = format_html(
        '<ul class="activity-changes {}flex-col">{}{}</ul>', "hidden lg:flex " if limit else "flex ",
        format_html_join("", '<li><span class="font-medium">{}:</span> <span class="activity-old">{}</span> → '
                             '<span class="activity-new">{}</span></li>', shown),
        format_html('<li class="text-font-subtle-light">and {} more</li>', more) if more else "")
    if not limit:
        return lines
    summary = "; ".join(f"{label}: {old} → {new}" for label, old, new in rows)
    return format_html('<span class="block lg:hidden min-w-0 truncate" title="{}">{}</span>{}', summary, summary,
                       lines)


class ActivityChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        object_urls(self.result_list, request)
        for row in self.result_list:
            row.in_list = True


class ActorFilter(AutocompleteSelectFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "by"


class VerbFilter(ChoicesDropdownFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "what"


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["show_when", "company", "show_actor", "show_verb", "show_object", "show_changes", "channel"]
    list_filter = [("tenant", CompanyFilter), ("actor", ActorFilter), ("verb", VerbFilter),
                   ("created_at", RangeDateFilter), "channel"]
    list_select_related = ["tenant", "actor"]
    search_fields = ["object_repr", "actor__email"]
    # Index-backed: (created_at), (tenant, created_at), (tenant, verb, created_at), (actor, created_at).
    ordering = ["-created_at", "-id"]
    fieldsets = [
        (None, {"fields": ["show_when", "company", "show_actor", "show_verb", "show_object", "show_changes"]}),
        ("From", {"fields": ["channel", "show_ip", "user_agent"]}),
    ]
    readonly_fields = ["show_when", "company", "show_actor", "show_verb", "show_object", "show_changes", "channel",
                       "show_ip", "user_agent"]

    def get_changelist(self, request, **kwargs):
        return ActivityChangeList

    def get_object(self, request, object_id, from_field=None):
        entry = super().get_object(request, object_id, from_field)
        if entry is not None:
            object_urls([entry], request)
        return entry

    @display(description="When", ordering="created_at")
    def show_when(self, obj):
        return local_datetime(obj.created_at)

    @display(description="By", ordering="actor_label")
    def show_actor(self, obj):
        if obj.actor_id:
            return admin_link(obj.actor, obj.actor_label or None)
        return "System" if obj.actor_label in ("", "system") else obj.actor_label  # a user gone since

    @display(description="What", ordering="verb")
    def show_verb(self, obj):
        return obj.get_verb_display()

    @display(description="Object")
    def show_object(self, obj):
        if not hasattr(obj, "object_url"):  # the detail page: one row
            object_urls([obj])
        text = obj.object_repr or (f"#{obj.object_id}" if obj.object_id else "")
        if not text:
            return EMPTY
        if obj.object_url is None:
            return text
        return format_html('<a class="activity-object text-primary-600 font-medium hover:underline" href="{}">{}</a>',
                           obj.object_url, text)

    @display(description="IP address")
    def show_ip(self, obj):
        return obj.ip_address or EMPTY

    @display(description="Changes")
    def show_changes(self, obj):
        # A list row shows the first two changes; the entry's own page shows them all.
        return render_changes(obj, limit=2 if getattr(obj, "in_list", False) else None)
