"""Exports that follow the change list's filters and read rows in chunks (100k rows never sit in memory)."""

import csv
import tempfile

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.signals import post_export
from unfold.contrib.import_export.forms import ImportForm, SelectableFieldsExportForm

from platform_admin.resources import EXPORT_CHUNK


class _Echo:
    def write(self, value):
        return value


def iter_in_chunks(queryset, size: int = EXPORT_CHUNK):
    """Yield the queryset's rows newest id first, `size` rows per query (keyset pagination by primary key).

    Unlike `.iterator()`, this bounds memory on MySQL too, whose driver would fetch the whole result.
    """
    queryset = queryset.order_by("-pk")
    last = None
    while True:
        chunk = list(queryset.filter(pk__lt=last)[:size] if last is not None else queryset[:size])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].pk
        if len(chunk) < size:
            return


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection through a company name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Defuse a text cell that a spreadsheet would run as a formula; leave numbers and dates alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def xlsx_file(headers: list[str], rows) -> tempfile.SpooledTemporaryFile:
    """Write the rows into a write-only workbook (rows go to disk as they come) and return the file, rewound."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


class StreamingExportMixin(ExportMixin):
    """CSV and XLSX exports of the filtered list with selectable fields, read in chunks; CSV is streamed."""

    export_form_class = SelectableFieldsExportForm
    formats = [CSV, XLSX]

    def get_export_formats(self):
        return self.formats

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not isinstance(file_format, CSV | XLSX):
            return super()._do_file_export(file_format, request, queryset, export_form=export_form)
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request, export_form=export_form))
        selected = self.get_export_resource_fields_from_form(export_form)
        headers = resource.get_export_headers(selected_fields=selected)
        related = self.list_select_related if isinstance(self.list_select_related, list | tuple) else []
        queryset = queryset.select_related(*related) if related else queryset
        filename = self.get_export_filename(request, queryset, file_format)
        native = isinstance(file_format, XLSX)  # numbers and dates stay typed in a spreadsheet

        def values():
            for obj in iter_in_chunks(queryset):
                yield [safe_cell(value) for value in resource.export_resource(obj, selected_fields=selected,
                                                                                force_native_type=native)]

        if native:
            response = FileResponse(xlsx_file(headers, values()), as_attachment=True, filename=filename,
                                    content_type=file_format.get_content_type())
        else:
            def lines():
                writer = csv.writer(_Echo())
                yield writer.writerow(headers)
                for row in values():
                    yield writer.writerow(row)

            response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        post_export.send(sender=None, model=self.model)
        return response


class StreamingImportExportMixin(ImportExportMixin, StreamingExportMixin):
    import_form_class = ImportForm

    def get_import_formats(self):
        return self.formats

    def has_import_permission(self, request):
        return self.has_change_permission(request) and self.has_add_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "actor": request.user}
