"""Per-company data export ("take your data with you"), also for suspended companies.

A company admin requests an export; a Celery job builds a ZIP (JSON and CSV of the company, its
members, teams, tasks, comments and invoices, the attachments' files and the invoices' PDFs), stores
it under a random name and notifies the requester. The download is checked (tenant and role) and
expires after EXPORT_TTL_HOURS; expired files are deleted.
"""

import json
import secrets
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ops.outbox import outbox_enqueue
from tenancy.audit import AuditVerb, audit_record
from tenancy.exceptions import Conflict, Forbidden, NotFound
from tenancy.exports import ExportArchive, export_writers
from tenancy.models import ExportStatus, NotificationType, Role, Tenant, TenantExport, User
from tenancy.services.notifications import notify

OPEN_STATUSES = (ExportStatus.PENDING, ExportStatus.RUNNING)
BUILD_EXPORT_TASK = "tenancy.tasks.build_export"  # by name: the tasks module sits above the services


@transaction.atomic
def export_request(*, tenant: Tenant, actor: User) -> TenantExport:
    """Queue an export of the company's data; one at a time per company."""
    if not (actor.tenant_id == tenant.pk and actor.has_role(Role.TENANT_ADMIN)):
        raise Forbidden("Only company admins may do this.")
    Tenant.objects.select_for_update().get(pk=tenant.pk)  # one open export per company, even at once
    if TenantExport.objects.filter(tenant=tenant, status__in=OPEN_STATUSES).exists():
        raise Conflict("An export is already being prepared.", code="export_in_progress")
    export = TenantExport.objects.create(tenant=tenant, requested_by=actor)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.EXPORT_REQUESTED, obj=export,
                 changes={"status": [None, export.status]})
    # The job is an outbox row of this transaction: a broker outage delays it, never loses it.
    outbox_enqueue(BUILD_EXPORT_TASK, {"export_id": export.pk, "tenant_id": tenant.pk}, tenant_id=tenant.pk)
    return export


def _build_zip(export: TenantExport, path) -> dict:
    tenant = export.tenant
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zip_file:
        archive = ExportArchive(zip_file)
        for writer in export_writers():
            writer(tenant=tenant, archive=archive)
        manifest = {"company": tenant.name, "slug": tenant.slug, "exported_at": timezone.now().isoformat(),
                    "tables": archive.tables}
        zip_file.writestr("README.json", json.dumps(manifest, indent=2))
    return manifest


def export_build(*, tenant: Tenant, export_id: int) -> TenantExport:
    """Build the archive of a queued export (the Celery job); FAILED with the reason if it cannot."""
    with transaction.atomic():
        try:
            export = TenantExport.objects.select_for_update().select_related("tenant", "requested_by").get(
                pk=export_id, tenant=tenant)
        except TenantExport.DoesNotExist:
            raise NotFound() from None
        if export.status != ExportStatus.PENDING:
            return export  # a retried job: built (or being built) already
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status", "updated_at"])
    try:
        with tempfile.NamedTemporaryFile(suffix=".zip") as tmp:
            _build_zip(export, tmp.name)
            name = default_storage.save(
                f"exports/{tenant.pk}/{secrets.token_urlsafe(16)}.zip", File(open(tmp.name, "rb")))  # noqa: SIM115
            size = default_storage.size(name)
    except Exception as exc:
        with transaction.atomic():
            TenantExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error=str(exc)[:300],
                                                             finished_at=timezone.now())
            export.refresh_from_db()
            audit_record(tenant=tenant, actor=None, verb=AuditVerb.EXPORT_FAILED, obj=export,
                         changes={"status": [ExportStatus.RUNNING, ExportStatus.FAILED]})
        raise
    with transaction.atomic():
        now = timezone.now()
        export.file, export.size, export.status = name, size, ExportStatus.READY
        export.finished_at, export.expires_at = now, now + timedelta(hours=settings.EXPORT_TTL_HOURS)
        export.save(update_fields=["file", "size", "status", "finished_at", "expires_at", "updated_at"])
        audit_record(tenant=tenant, actor=None, verb=AuditVerb.EXPORT_READY, obj=export,
                     changes={"status": [ExportStatus.RUNNING, ExportStatus.READY], "size": [None, size]})
        if export.requested_by is not None:
            notify(tenant=tenant, recipients=[export.requested_by], type=NotificationType.EXPORT_READY,
                   title="Your data export is ready",
                   body=f"The export of {tenant.name} can be downloaded until "
                        f"{export.expires_at:%Y-%m-%d %H:%M} UTC from the company settings.",
                   data={"export_id": export.pk})
    return export


def export_download_check(*, tenant: Tenant, export: TenantExport) -> TenantExport:
    """Return the export if its file may be downloaded now (ready, not expired)."""
    if export.tenant_id != tenant.pk:
        raise NotFound()
    if export.status != ExportStatus.READY:
        raise Conflict("This export is not ready.", code="export_not_ready")
    if export.is_expired or not export.file:
        raise Conflict("This export has expired; request a new one.", code="export_expired", status_code=410)
    return export


def exports_purge_expired() -> int:
    """Delete the files of expired exports (the rows stay, as history); return how many."""
    count = 0
    for export in TenantExport.objects.filter(expires_at__lte=timezone.now()).exclude(file=""):
        default_storage.delete(export.file.name)
        TenantExport.objects.filter(pk=export.pk).update(file="")
        count += 1
    return count
