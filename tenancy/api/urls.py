from django.urls import path
from rest_framework.routers import SimpleRouter

from tenancy.api import views

app_name = "tenants"

router = SimpleRouter()
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("members", views.MemberViewSet, basename="member")
router.register("domains", views.DomainViewSet, basename="domain")
router.register("exports", views.ExportViewSet, basename="export")
router.register("", views.TenantViewSet, basename="tenant")

urlpatterns = [
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("settings/", views.TenantSettingsView.as_view(), name="settings"),
    *router.urls,
]
