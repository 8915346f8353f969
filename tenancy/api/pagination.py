"""List pagination: bounded page numbers by default, keyset cursors (`?cursor=`) for going deep.

A bad `page` or `page_size` (not a whole number in range, e.g. `page_size=null`) is a 400.

Page numbers need a COUNT and an OFFSET, both proportional to the table: the count stops at COUNT_CAP
(`count_is_capped` says so) and pages end there. A cursor reads from an index position instead, so
page 1,000 costs what page 1 costs; `?cursor=` (empty) starts at the beginning, and each page's
`next` / `previous` links carry the cursor onward.
"""

from collections import OrderedDict

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from tenancy.exceptions import NotFound, ServiceError

# Page numbers count and reach at most this many rows; beyond it, use the cursor.
COUNT_CAP = 10_000
CURSOR_PARAM = "cursor"


def _can_hold_a_cursor(model, name: str) -> bool:
    """A cursor keeps its place on a column of the model that is never null (ties are counted as an offset)."""
    if name == "pk":
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False  # an annotation (e.g. priority_rank) or a related path
    return field.concrete and not field.null and not field.is_relation


def _ordering_can_refuse_a_cursor(view) -> bool:
    """Tell whether the list's `?ordering=` accepts a field that a cursor cannot keep its place on.

    Only the `list` action orders by `?ordering=`; the paginated sub-lists (a task's comments, ...) keep
    their selector's order, which is cursor-safe (tenancy/tests/test_schema.py requests each one).
    """
    if getattr(view, "action", None) != "list":
        return False
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        serializer_class = getattr(view, "serializer_class", None)
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None:
            return False
        queryset = model._default_manager.none()
    for backend in getattr(view, "filter_backends", ()):
        if not issubclass(backend, OrderingFilter):
            continue
        for name, _label in backend().get_valid_fields(queryset, view, {"request": None}):
            if not _can_hold_a_cursor(queryset.model, name):
                return True
    return False


class CappedPaginator(DjangoPaginator):
    """Count at most COUNT_CAP + 1 rows (a LIMITed subquery), never the whole table."""

    @cached_property
    def _bounded_count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return min(len(queryset), COUNT_CAP + 1)
        return queryset.order_by().values("pk")[:COUNT_CAP + 1].count()

    @property
    def count(self) -> int:
        return min(self._bounded_count, COUNT_CAP)

    @property
    def is_capped(self) -> bool:
        return self._bounded_count > COUNT_CAP


class _Cursor(pagination.CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = CURSOR_PARAM

    def get_ordering(self, request, queryset, view):
        ordering = tuple(queryset.query.order_by or queryset.model._meta.ordering or ("-pk",))
        if not _can_hold_a_cursor(queryset.model, ordering[0].lstrip("-")):
            raise ServiceError(
                "A cursor cannot keep its place in this order; drop ?ordering= or use page numbers.",
                code="cursor_ordering_unsupported", fields={"ordering": ["Not available with ?cursor=."]})
        return ordering

    def decode_cursor(self, request):
        if not request.query_params.get(self.cursor_query_param):
            return None  # `?cursor=` (empty) is page 1
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound("Invalid cursor")
            raise ServiceError("This cursor is not valid; start again with ?cursor=.", code="invalid_cursor",
                               fields={"cursor": ["Invalid cursor."]}) from exc


def _positive(request, name: str, *, maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        limit = f" from 1 to {maximum}" if maximum is not None else " of at least 1"
        raise ValidationError({name: [f"Give a whole number{limit}."]}, code=f"invalid_{name}")
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page numbers with a capped count; `?cursor=` switches the same list to keyset pagination."""

    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CappedPaginator

    def _uses_cursor(self, request) -> bool:
        return CURSOR_PARAM in request.query_params

    def paginate_queryset(self, queryset, request, view=None):
        _positive(request, self.page_size_query_param, maximum=self.max_page_size)
        if not self._uses_cursor(request):
            _positive(request, self.page_query_param)
        if self._uses_cursor(request):
            self._cursor = _Cursor()
            self._cursor.page_size = self.get_page_size(request)
            return self._cursor.paginate_queryset(queryset, request, view)
        self._cursor = None
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            if paginator.is_capped and str(page_number).isdigit():
                raise ServiceError(f"Page numbers reach the first {COUNT_CAP:,} rows; go further with ?cursor=.",
                                   code="page_too_deep", fields={"page": ["Use ?cursor= for deep pages."]}) from exc
            raise NotFound("This page does not exist.") from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        self.request = request
        return list(self.page)

    def get_paginated_response(self, data):
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return Response(OrderedDict([
            ("count", self.page.paginator.count),
            ("count_is_capped", self.page.paginator.is_capped),
            ("next", self.get_next_link()),
            ("previous", self.get_previous_link()),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["count"]["description"] = f"Rows in the list, counted up to {COUNT_CAP:,}."
        page["properties"]["count_is_capped"] = {
            "type": "boolean", "description": f"True when the list holds more than {COUNT_CAP:,} rows."}
        page["properties"]["count"]["description"] += " Absent with ?cursor= (keyset pages)."
        page["required"] = ["results"]
        return page

    def get_schema_error_codes(self, view) -> list[str]:
        """The 400 codes this paginator can answer on `view`'s list (documented by tenancy.api.schema)."""
        codes = ["invalid_page", "invalid_page_size", "page_too_deep", "invalid_cursor"]
        if _ordering_can_refuse_a_cursor(view):
            codes.append("cursor_ordering_unsupported")
        return codes

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return [*parameters, {
            "name": CURSOR_PARAM, "required": False, "in": "query",
            "description": ("Keyset pagination for deep lists: pass it empty for the first page, then follow "
                            "`next`/`previous`. Pages are stable while rows are added; `count` is not returned. "
                            f"Page numbers stop at {COUNT_CAP:,} rows."),
            "schema": {"type": "string"},
        }]


class NotificationPagination(PageNumberPagination):
    """The notification list's page: the usual page (or keyset page) of notifications, and the view adds the
    caller's `unread_count` beside them; documented here so the schema says exactly that."""

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["unread_count"] = {
            "type": "integer", "minimum": 0, "description": "The caller's unread notifications (all pages)."}
        page["required"] = [*page["required"], "unread_count"]
        return page
