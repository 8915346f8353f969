"""Login lockout response (django-axes) in the API's error shape."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def axes_lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """Answer a locked-out e-mail/IP pair with 429 and how long to wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = f"Too many failed logins: try again in {minutes} minutes."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "account_locked", "detail": detail, "fields": {}}, status=429)
    return HttpResponse(detail, status=429, content_type="text/plain")


def axes_username(request, credentials=None) -> str | None:
    """The login name axes counts failures for: the lower-cased e-mail, from the API or the admin form."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email") or request.POST.get("username")
    return value.strip().lower() if value else None
