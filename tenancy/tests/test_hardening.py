"""Hardening: CSP on the control panel and the docs, no caching of API answers, private docs, no banner."""

import importlib.util
from pathlib import Path

from django.conf import settings

from tenancy.models import TenantStatus


def test_the_control_panel_and_the_docs_carry_a_csp(client, db):
    for url in ("/admin/login/", "/api/docs/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_api_answers_are_never_stored(api, tenant_admin):
    for response in (api(tenant_admin).get("/api/auth/profile/"), api().get("/api/auth/profile/"),
                     api(host="alpha.localhost").post("/api/auth/login/", {"email": "x@y.example", "password": "z"})):
        assert response["Cache-Control"] == "no-store"


def test_docs_can_be_private(client, api, settings, super_admin, tenant_admin, db):
    settings.API_DOCS_PUBLIC = False
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    assert api(tenant_admin).get("/api/schema/").status_code == 403
    assert api(super_admin).get("/api/schema/").status_code == 200
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200


def test_anonymous_requests_learn_nothing_about_a_companys_approval(api, tenant):
    tenant.status = TenantStatus.PENDING
    tenant.save()
    for path in ("/api/tasks/", "/api/teams/", "/api/tenants/members/", "/api/subscriptions/billing/dashboard/"):
        response = api(host="alpha.localhost").get(path)
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated", path


def test_gunicorn_sends_no_server_banner():
    import gunicorn.http.wsgi

    path = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    before = gunicorn.http.wsgi.SERVER
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        assert gunicorn.http.wsgi.SERVER == ""
        assert "gunicorn" not in gunicorn.http.wsgi.SERVER
    finally:
        gunicorn.http.wsgi.SERVER = before
    assert "server_tokens off;" in (Path(settings.BASE_DIR) / "deploy" / "nginx.conf").read_text()
