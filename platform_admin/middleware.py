"""Keep the control panel on platform hosts and, when configured, on allowed addresses."""

import ipaddress

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseNotFound


def _ip_allowed(ip: str, allowed: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class AdminIPAllowlistMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            if not getattr(request, "is_platform_host", False):
                return HttpResponseNotFound("Not found.")
            allowed = settings.ADMIN_ALLOWED_IPS
            if allowed and not _ip_allowed(request.META.get("REMOTE_ADDR", ""), allowed):
                return HttpResponseForbidden("The control panel is not available from this address.")
        return self.get_response(request)
