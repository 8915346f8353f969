"""Response hardening: a Content-Security-Policy on the control panel and the API docs, no caching of API answers.

The portal at /app/ sets its own strict policy (frontend serving); the API's JSON answers carry
`Cache-Control: no-store` so that no proxy or browser keeps tokens or tenant data.
"""

from django.conf import settings
from rest_framework.permissions import BasePermission

# The control panel (unfold: Alpine.js needs 'unsafe-eval', its templates inline styles and small scripts)
# and Swagger UI (served from the sidecar package, with an inline bootstrap script) load everything from
# our own origin; nothing may frame them or be framed into them, and forms post only to us.
ADMIN_AND_DOCS_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


class SecurityHeadersMiddleware:
    """Add the CSP to /admin/ and the API docs, and `no-store` to every API answer."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.docs_paths = ("/api/docs/", "/api/schema/")

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith(("/admin/", *self.docs_paths)) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = ADMIN_AND_DOCS_CSP
        if path.startswith("/api/") and not path.startswith(self.docs_paths):
            # Answers may hold tokens or a company's data: never stored by a browser or a proxy.
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class ApiDocsPermission(BasePermission):
    """The schema and Swagger UI: anyone when API_DOCS_PUBLIC (the default), else platform staff only."""

    def has_permission(self, request, view):
        user = request.user
        return settings.API_DOCS_PUBLIC or bool(user and user.is_authenticated and user.is_staff)
