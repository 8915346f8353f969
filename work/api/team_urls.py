from rest_framework.routers import SimpleRouter

from work.api import views

app_name = "teams"

router = SimpleRouter()
router.register("invitations", views.TeamInvitationViewSet, basename="team-invitation")
router.register("", views.TeamViewSet, basename="team")

urlpatterns = router.urls
