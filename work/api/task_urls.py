from rest_framework.routers import SimpleRouter

from work.api import views

app_name = "tasks"

router = SimpleRouter()
router.register("", views.TaskViewSet, basename="task")

urlpatterns = router.urls
