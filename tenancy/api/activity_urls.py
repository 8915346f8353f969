from rest_framework.routers import SimpleRouter

from tenancy.api import views

app_name = "activity"

router = SimpleRouter()
router.register("", views.ActivityLogViewSet, basename="activity")

urlpatterns = router.urls
