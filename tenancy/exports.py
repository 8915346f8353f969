"""The company data export's registry: each app writes its own sections, tenancy imports none of them.

A section writer is `writer(*, tenant, archive)`; it calls `archive.add_table(name, rows)` (written
as `<name>.json` and `<name>.csv`) and `archive.add_file(path, data)` for stored files.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable

from tenancy.models import TenantSettings, User

_writers: list[Callable] = []


def register_export(writer: Callable) -> None:
    if writer not in _writers:
        _writers.append(writer)


def export_writers() -> list[Callable]:
    return list(_writers)


class ExportArchive:
    """A ZIP being written: tables as JSON and CSV, files as they are."""

    def __init__(self, zip_file: zipfile.ZipFile):
        self.zip = zip_file
        self.tables: dict[str, int] = {}

    def add_table(self, name: str, rows: Iterable[dict], columns: list[str]) -> None:
        rows = list(rows)
        self.zip.writestr(f"{name}.json", json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            # A leading = + - @ would run as a formula in a spreadsheet: prefix it with a quote.
            writer.writerow({key: _csv_safe(value) for key, value in row.items()})
        self.zip.writestr(f"{name}.csv", text.getvalue())
        self.tables[name] = len(rows)

    def add_file(self, path: str, data: bytes) -> None:
        self.zip.writestr(path, data)


def _csv_safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def export_company(*, tenant, archive: ExportArchive) -> None:
    """Tenancy's sections: the company, its settings and its members (no password data)."""
    settings_row = TenantSettings.objects.filter(tenant=tenant).first()
    archive.add_table("company", [{
        "name": tenant.name, "slug": tenant.slug, "status": tenant.status, "contact_name": tenant.contact_name,
        "contact_email": tenant.contact_email, "contact_phone": tenant.contact_phone,
        "legal_name": settings_row.legal_name if settings_row else "",
        "billing_address": settings_row.billing_address if settings_row else "",
        "tax_id": settings_row.tax_id if settings_row else "", "created_at": tenant.created_at,
    }], ["name", "slug", "status", "contact_name", "contact_email", "contact_phone", "legal_name",
         "billing_address", "tax_id", "created_at"])
    columns = ["id", "email", "first_name", "last_name", "role", "is_active", "date_joined"]
    archive.add_table("members", User.objects.filter(tenant=tenant).order_by("id").values(*columns), columns)
