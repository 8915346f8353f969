from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from project import health, portal

api_patterns = [
    path("auth/", include("tenancy.api.auth_urls")),
    path("tenants/", include("tenancy.api.urls")),
    path("notifications/", include("tenancy.api.notification_urls")),
    path("activity/", include("tenancy.api.activity_urls")),
    path("subscriptions/", include("billing.api.urls")),
    path("teams/", include("work.api.team_urls")),
    path("tasks/", include("work.api.task_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", include("platform_admin.auth")),  # staff password reset (before the admin's catch-all)
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("app/", portal.portal, name="portal"),
    re_path(r"^app/(?P<path>(?!assets/).*)$", portal.portal, name="portal-route"),
    path("health/", health.live, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
]

handler404 = "project.errors.not_found"
handler500 = "project.errors.server_error"
