"""The portal at /app/: index.html for every client route, hashed assets with a long cache, a strict CSP."""

import html
import json
import re

import pytest
from django.test import Client, TestCase

from tenancy.models import TenantStatus
from tenancy.tests.factories import TenantFactory

INDEX = """<!doctype html><html><head><meta name="portal-config" content="{}">
<script type="module" crossorigin src="/app/assets/index-Ab12Cd34.js"></script></head>
<body><div id="root"></div></body></html>"""


@pytest.fixture
def dist(settings, tmp_path):
    """A built portal in a folder of the test's own (the real build is the browser tests' business)."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-Ab12Cd34.js").write_text("console.log('portal');")
    settings.PORTAL_DIST_DIR = tmp_path
    return tmp_path


def _config(response) -> dict:
    match = re.search(r'<meta name="portal-config" content="([^"]*)">', response.content.decode())
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("path", ["/app/", "/app/board/3/task/12", "/app/accept-invitation?token=abc", "/app/billing"])
def test_every_client_route_answers_the_index_with_a_strict_csp(db, dist, tenant, path):
    response = Client(HTTP_HOST="alpha.localhost").get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert 'src="/app/assets/index-Ab12Cd34.js"' in response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["Cache-Control"] == "no-cache"
    assert response.cookies["csrftoken"].value  # the refresh endpoint's CSRF check needs it
    assert _config(response) == {"platform": False, "tenant": {"name": "Alpha Ltd", "slug": "alpha"},
                                 "baseDomain": "localhost"}


def test_the_platform_host_serves_the_portal_for_sign_up(db, dist):
    response = Client(HTTP_HOST="localhost").get("/app/signup")

    assert response.status_code == 200
    assert _config(response) == {"platform": True, "tenant": None, "baseDomain": "localhost"}


def test_a_host_that_is_no_company_gets_404(db, dist):
    response = Client(HTTP_HOST="nobody.localhost").get("/app/")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_host"


def test_the_company_name_is_escaped_in_the_page(db, dist):
    TenantFactory(name='Evil "><script>alert(1)</script>', slug="evil")

    response = Client(HTTP_HOST="evil.localhost").get("/app/")

    assert "<script>alert(1)</script>" not in response.content.decode()
    assert _config(response)["tenant"]["name"] == 'Evil "><script>alert(1)</script>'


def test_hashed_assets_are_served_with_a_long_immutable_cache(db, dist, tenant):
    response = Client(HTTP_HOST="alpha.localhost").get("/app/assets/index-Ab12Cd34.js")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"console.log('portal');"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]


def test_a_missing_asset_is_a_404_not_the_index(db, dist, tenant):
    response = Client(HTTP_HOST="alpha.localhost").get("/app/assets/index-missing.js")

    assert response.status_code == 404


def test_writes_to_the_portal_are_refused(db, dist, tenant):
    assert Client(HTTP_HOST="alpha.localhost").post("/app/").status_code == 405


def test_before_a_build_the_portal_says_how_to_build_it(db, settings, tmp_path, tenant):
    settings.PORTAL_DIST_DIR = tmp_path / "nothing-here"

    response = Client(HTTP_HOST="alpha.localhost").get("/app/")

    assert response.status_code == 503
    assert "make frontend" in response.content.decode()


def test_a_pending_company_still_gets_the_portal(db, dist):
    # The portal shows a pending company its waiting screen; the API's approval gate keeps the data closed.
    TenantFactory(slug="newco", status=TenantStatus.PENDING)

    assert Client(HTTP_HOST="newco.localhost").get("/app/").status_code == 200


def test_e_mailed_links_open_the_portal_on_the_companys_own_host(db, settings, tenant, tenant_admin):
    from django.core import mail

    from tenancy.links import portal_url
    from tenancy.services.members import invitation_create

    settings.FRONTEND_URL = "https://{host}/app"
    assert portal_url(tenant) == "https://alpha.localhost/app"
    assert portal_url(None) == "https://localhost/app"
    settings.FRONTEND_URL = "https://portal.example.com"
    assert portal_url(tenant) == "https://portal.example.com"

    settings.FRONTEND_URL = "http://{host}:8000/app"
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation_create(tenant=tenant, actor=tenant_admin, email="new@alpha.example", role="MEMBER")
    assert "http://alpha.localhost:8000/app/accept-invitation?token=" in mail.outbox[-1].body


def test_the_password_reset_link_opens_the_portal_on_the_users_host(db, settings, tenant, tenant_admin):
    from django.core import mail
    from rest_framework.test import APIClient

    settings.FRONTEND_URL = "http://{host}:8000/app"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the mail leaves through the outbox on commit
        response = APIClient(HTTP_HOST="alpha.localhost").post("/api/auth/password-reset/",
                                                               {"email": tenant_admin.email})

    assert response.status_code == 200
    assert "http://alpha.localhost:8000/app/reset-password?uid=" in mail.outbox[-1].body
