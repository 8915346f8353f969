from rest_framework.routers import SimpleRouter

from tenancy.api import views

app_name = "notifications"

router = SimpleRouter()
router.register("", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
