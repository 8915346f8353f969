"""Per-company data export: requested by a company admin, built by a job, private and expiring download."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from billing.tests.factories import issued_invoice
from tenancy.models import ExportStatus, Notification, TenantExport, TenantStatus
from tenancy.services import exports as export_services
from work.models import TeamRole
from work.tests.factories import AttachmentFactory, CommentFactory, TaskFactory, TeamFactory, make_member

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "MEMBER", "MANAGER", "TENANT_ADMIN", "SUPER_ADMIN"]


@pytest.fixture
def work_data(tenant, tenant_admin, member):
    team = TeamFactory(tenant=tenant, name="Exporters")
    make_member(team, member, TeamRole.MEMBER)
    task = TaskFactory(team=team, creator=tenant_admin, assignee=member, title="=HYPERLINK(\"x\")")
    CommentFactory(task=task, author=member, body="First comment")
    attachment = AttachmentFactory(task=task, uploader=member)
    invoice = issued_invoice(tenant=tenant)
    return {"team": team, "task": task, "attachment": attachment, "invoice": invoice}


def _request(api, user, capture):
    with capture(execute=True):
        return api(user).post("/api/tenants/exports/")


def test_an_admin_requests_an_export_the_job_builds_it_and_the_zip_holds_everything(
        api, tenant, tenant_admin, other_tenant, work_data, django_capture_on_commit_callbacks):
    response = _request(api, tenant_admin, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "PENDING"  # the answer comes before the job (eager here) runs
    export = TenantExport.objects.get(pk=response.json()["id"])
    assert export.status == ExportStatus.READY and export.size > 0 and export.expires_at > timezone.now()
    assert export.file.name.startswith(f"exports/{tenant.pk}/")
    note = Notification.objects.get(recipient=tenant_admin, type="export_ready")
    assert note.data == {"export_id": export.pk}
    assert any(m.to == [tenant_admin.email] and "export is ready" in m.subject for m in mail.outbox)

    download = api(tenant_admin).get(f"/api/tenants/exports/{export.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment;" in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    for table in ("company", "members", "teams", "team_members", "tasks", "comments", "attachments", "invoices"):
        assert {f"{table}.json", f"{table}.csv"} <= names
    tasks = json.loads(archive.read("tasks.json"))
    assert [t["title"] for t in tasks] == ['=HYPERLINK("x")']
    rows = list(csv.DictReader(io.StringIO(archive.read("tasks.csv").decode())))
    assert rows[0]["title"] == "'=HYPERLINK(\"x\")"  # no formula runs when opened in a spreadsheet
    assert json.loads(archive.read("comments.json"))[0]["body"] == "First comment"
    attachment_row = json.loads(archive.read("attachments.json"))[0]
    with default_storage.open(work_data["attachment"].file.name, "rb") as stored:
        assert archive.read(attachment_row["file"]) == stored.read()
    invoice_row = json.loads(archive.read("invoices.json"))[0]
    assert invoice_row["number"] == work_data["invoice"].number
    assert archive.read(invoice_row["pdf"]).startswith(b"%PDF")
    assert json.loads(archive.read("README.json"))["tables"]["tasks"] == 1
    # Nothing of another company.
    assert other_tenant.name not in json.dumps([json.loads(archive.read(n)) for n in names if n.endswith(".json")])


def test_a_suspended_company_can_still_take_its_data(api, tenant, tenant_admin, django_capture_on_commit_callbacks):
    tenant.status = TenantStatus.SUSPENDED
    tenant.save()
    response = _request(api, tenant_admin, django_capture_on_commit_callbacks)
    assert response.status_code == 201
    export_id = response.json()["id"]
    assert api(tenant_admin).get(f"/api/tenants/exports/{export_id}/download/").status_code == 200


def test_one_export_at_a_time(api, tenant_admin):
    assert api(tenant_admin).post("/api/tenants/exports/").status_code == 201  # job not run: stays PENDING
    response = api(tenant_admin).post("/api/tenants/exports/")
    assert response.status_code == 409 and response.json()["code"] == "export_in_progress"
    assert TenantExport.objects.count() == 1


def test_a_pending_export_cannot_be_downloaded(api, tenant_admin):
    export_id = api(tenant_admin).post("/api/tenants/exports/").json()["id"]
    response = api(tenant_admin).get(f"/api/tenants/exports/{export_id}/download/")
    assert response.status_code == 409 and response.json()["code"] == "export_not_ready"


def test_the_download_expires_and_the_file_is_purged(api, tenant_admin, settings, django_capture_on_commit_callbacks):
    export_id = _request(api, tenant_admin, django_capture_on_commit_callbacks).json()["id"]
    name = TenantExport.objects.get(pk=export_id).file.name
    with time_machine.travel(timezone.now() + timedelta(hours=settings.EXPORT_TTL_HOURS, minutes=1)):
        response = api(tenant_admin).get(f"/api/tenants/exports/{export_id}/download/")
        assert response.status_code == 410 and response.json()["code"] == "export_expired"
        assert export_services.exports_purge_expired() == 1
    assert not default_storage.exists(name)
    assert TenantExport.objects.get(pk=export_id).file.name == ""  # the row stays, as history


def test_expired_archives_are_purged_every_hour_without_a_new_export(api, tenant_admin, settings,
                                                                    django_capture_on_commit_callbacks):
    from celery import current_app

    from tenancy.tasks import purge_expired_exports

    [job] = [job for job in settings.CELERY_BEAT_SCHEDULE.values()
             if job["task"] == "tenancy.tasks.purge_expired_exports"]
    assert job["task"] in current_app.tasks and job["schedule"].hour == set(range(24))
    export_id = _request(api, tenant_admin, django_capture_on_commit_callbacks).json()["id"]
    name = TenantExport.objects.get(pk=export_id).file.name
    assert purge_expired_exports() == 0 and default_storage.exists(name)  # not expired yet
    with time_machine.travel(timezone.now() + timedelta(hours=settings.EXPORT_TTL_HOURS, minutes=1)):
        assert purge_expired_exports() == 1
    assert not default_storage.exists(name) and TenantExport.objects.get(pk=export_id).file.name == ""


def test_a_failing_build_is_failed_not_stuck(api, tenant, tenant_admin, monkeypatch):
    export_id = api(tenant_admin).post("/api/tenants/exports/").json()["id"]

    def broken(*, tenant, archive):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenancy.services.exports.export_writers", lambda: [broken])
    with pytest.raises(RuntimeError):
        export_services.export_build(tenant=tenant, export_id=export_id)
    export = TenantExport.objects.get(pk=export_id)
    assert export.status == ExportStatus.FAILED and export.error == "disk full"
    assert api(tenant_admin).post("/api/tenants/exports/").status_code == 201  # may try again


def test_the_job_is_idempotent(tenant, tenant_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_services.export_request(tenant=tenant, actor=tenant_admin)
    before = TenantExport.objects.get(pk=export.pk)
    again = export_services.export_build(tenant=tenant, export_id=export.pk)
    assert again.file.name == before.file.name and again.status == ExportStatus.READY


MATRIX = [
    ("get", "/api/tenants/exports/", [401, 403, 403, 200, 403]),
    ("post", "/api/tenants/exports/", [401, 403, 403, 201, 403]),
    ("get", "/api/tenants/exports/{id}/", [401, 403, 403, 200, 403]),
    ("get", "/api/tenants/exports/{id}/download/", [401, 403, 403, 200, 403]),
]


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("method, path, expected", MATRIX, ids=[f"{m[0]} {m[1]}" for m in MATRIX])
def test_role_matrix(api, role_users, tenant, tenant_admin, django_capture_on_commit_callbacks, role_index, role,
                     method, path, expected):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_services.export_request(tenant=tenant, actor=tenant_admin)
    user = role_users[role]
    host = tenant.domains.get(is_primary=True).host
    client = api(host=host) if user is None else api(user, host=host)
    response = getattr(client, method)(path.format(id=export.pk))
    assert response.status_code == expected[role_index], response.content


@pytest.mark.parametrize("path", ["/api/tenants/exports/{id}/", "/api/tenants/exports/{id}/download/"])
def test_another_companys_export_is_a_404(api, tenant_admin, other_tenant, other_admin, path,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = export_services.export_request(tenant=other_tenant, actor=other_admin)
    response = api(tenant_admin).get(path.format(id=theirs.pk))
    assert response.status_code == 404
    assert other_tenant.name not in response.content.decode()
    listed = api(tenant_admin).get("/api/tenants/exports/").json()["results"]
    assert theirs.pk not in [row["id"] for row in listed]
