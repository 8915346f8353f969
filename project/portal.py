"""Software B's portal at /app/: the built single-page app, served by Django on every tenant host.

Vite builds `frontend/` into `frontend/dist/`: `index.html` plus content-hashed files under `assets/`.
The hashed assets are served by whitenoise (`PortalWhiteNoiseMiddleware`) with a year-long immutable
cache; `index.html` is answered here for every client route, never cached, with a strict
Content-Security-Policy (no inline script, no third-party origin) and the CSRF cookie that the
refresh-token endpoint checks.
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.html import escape
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from whitenoise.middleware import WhiteNoiseMiddleware

CONFIG_PLACEHOLDER = '<meta name="portal-config" content="{}">'
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def portal_dist() -> Path:
    return Path(settings.PORTAL_DIST_DIR)


@cache
def _index_html(path: Path, mtime: float) -> str:
    return path.read_text(encoding="utf-8")


def portal_index_html() -> str | None:
    """Return the built index.html (re-read when a new build replaces it), or None before a build."""
    path = portal_dist() / "index.html"
    try:
        return _index_html(path, path.stat().st_mtime)
    except FileNotFoundError:
        return None


def portal_config(request) -> dict:
    """What the app must know about the host it runs on (no script: it is read from a meta tag)."""
    tenant = request.tenant
    return {
        "platform": tenant is None,
        "tenant": None if tenant is None else {"name": tenant.name, "slug": tenant.slug},
        "baseDomain": settings.TENANT_BASE_DOMAIN,
    }


@require_safe
@ensure_csrf_cookie
def portal(request, path: str = ""):
    """Answer the portal's index.html for /app/ and every client route under it."""
    html = portal_index_html()
    if html is None:
        response = HttpResponse(
            "The portal has not been built: run `make frontend` (or `make run`).",
            status=503, content_type="text/plain; charset=utf-8",
        )
    else:
        config = escape(json.dumps(portal_config(request), separators=(",", ":")))
        response = HttpResponse(html.replace(CONFIG_PLACEHOLDER, f'<meta name="portal-config" content="{config}">'))
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "no-cache"
    return response


class PortalWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """Whitenoise for static files, plus the portal's content-hashed assets at /app/assets/."""

    ASSETS_PREFIX = "/app/assets/"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_files(str(portal_dist() / "assets"), prefix=self.ASSETS_PREFIX)

    def immutable_file_test(self, path, url):
        # Vite names every asset after a hash of its content: a changed file gets a new name.
        if url.startswith(self.ASSETS_PREFIX):
            return True
        return super().immutable_file_test(path, url)
