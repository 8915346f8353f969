"""Health probes, the OpenAPI schema, and who may enter the control panel."""


from django.urls import reverse

from tenancy.models import ActivityLog, Tenant, TenantStatus


def test_health_live(client, db):
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_ready_checks_database_and_cache(client, db):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}


def test_health_ready_reports_an_unreachable_broker(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from project.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/health/ready/")
    finally:
        app.conf.broker_url = None
    # Side effects wait in the outbox: a broker outage degrades the node but leaves it serving.
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"].startswith("error")


def test_health_ready_is_503_with_retry_after_when_the_database_is_down(client, db):
    from unittest import mock

    from django.db import OperationalError

    with mock.patch("project.health._check_database", side_effect=OperationalError(2003, "down")):
        response = client.get("/health/ready/")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["checks"]["database"] == "error: OperationalError"


def test_health_ready_reports_the_replica(client, db, settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json()["replica"]["state"] in ("ok", "down")


def test_openapi_schema_documents_the_api(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/auth/register/", "/api/auth/login/", "/api/auth/token/refresh/", "/api/tenants/",
                 "/api/tenants/{id}/approve/", "/api/tenants/invitations/accept/", "/api/notifications/",
                 "/api/activity/"]:
        assert path in schema["paths"], path
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    register = schema["paths"]["/api/auth/register/"]["post"]
    assert "requestBody" in register and "202" in register["responses"]


def test_swagger_ui_is_served(client, db):
    assert client.get("/api/docs/").status_code == 200


# --- the control panel ----------------------------------------------------------------------------------------


def test_staff_reaches_the_admin(client, super_admin):
    client.force_login(super_admin)
    assert client.get("/admin/").status_code == 200


def test_tenant_admin_cannot_enter_the_admin(client, tenant_admin):
    response = client.post("/admin/login/?next=/admin/",
                           {"username": tenant_admin.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    client.force_login(tenant_admin)
    assert client.get("/admin/").status_code == 302


def test_staff_logs_in_with_the_form(client, super_admin):
    response = client.post("/admin/login/?next=/admin/",
                           {"username": super_admin.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_is_not_served_on_tenant_hosts(client, super_admin, tenant):
    client.force_login(super_admin)
    assert client.get("/admin/", HTTP_HOST="alpha.localhost").status_code == 404


def test_admin_ip_allowlist(client, super_admin, settings):
    client.force_login(super_admin)
    settings.ADMIN_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/admin/", REMOTE_ADDR="192.168.1.5").status_code == 403
    assert client.get("/admin/", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_admin_actions_are_audited_on_the_admin_channel(client, super_admin):
    pending = Tenant.objects.create(name="Gamma", slug="gamma", contact_email="a@gamma.example")
    client.force_login(super_admin)
    response = client.post(reverse("admin:tenancy_tenant_row_approve", args=[pending.pk]), {"_form_submitted": "1"})
    assert response.status_code == 302
    log = ActivityLog.objects.get()
    assert (log.verb, log.actor, log.tenant, log.channel, log.ip_address) == (
        "tenant.approved", super_admin, pending, "admin", "127.0.0.1")
    assert log.changes == {"status": ["PENDING", "ACTIVE"]}


def test_demo_seed_is_idempotent(db):
    from django.core.management import call_command

    call_command("seed_demo")
    counts = {model: model.objects.count() for model in (Tenant, ActivityLog)}
    call_command("seed_demo")
    assert {model: model.objects.count() for model in counts} == counts
    assert Tenant.objects.get(slug="newco").status == TenantStatus.PENDING
    assert Tenant.objects.get(slug="acme").domains.get(is_primary=True).host == "acme.localhost"
    assert Tenant.objects.get(slug="customdomain").domains.get(is_primary=True).host == "custom-domain.com"


def test_swagger_ui_assets_are_served_locally(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in page and "/static/drf_spectacular_sidecar/" in page


def test_unknown_api_path_answers_in_the_error_shape(client, db):
    response = client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


def test_api_server_error_answers_in_the_error_shape(rf):
    from project.errors import server_error

    response = server_error(rf.get("/api/tenants/"))
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content


def test_wrong_method_answers_in_the_error_shape(api, tenant_admin):
    response = api(tenant_admin).put("/api/notifications/mark-all-read/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_admin_login_locks_out_after_repeated_failures(client, super_admin, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert client.post("/admin/login/", {"username": super_admin.email, "password": "wrong"}).status_code == 200
    assert client.post("/admin/login/", {"username": super_admin.email, "password": "wrong"}).status_code == 429
    locked = client.post("/admin/login/", {"username": super_admin.email,
                                           "password": "correct-horse-battery-staple"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
