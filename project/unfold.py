"""The control panel's theme and navigation (django-unfold)."""

from django.urls import reverse_lazy

UNFOLD = {
    "SITE_TITLE": "SaaS Platform",
    "SITE_HEADER": "SaaS Platform control panel",
    "SITE_SYMBOL": "hub",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "ENVIRONMENT": "platform_admin.site.environment_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
    },
    "COLORS": {
        "primary": {
            "50": "238 242 255", "100": "224 231 255", "200": "199 210 254", "300": "165 180 252",
            "400": "129 140 248", "500": "99 102 241", "600": "79 70 229", "700": "67 56 202",
            "800": "55 48 163", "900": "49 46 129", "950": "30 27 75",
        },
    },
    "LOGIN": {"redirect_after": reverse_lazy("admin:index")},
}
