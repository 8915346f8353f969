"""The project's URLs plus the plain Django view the DRF task list is compared with."""

from django.http import JsonResponse
from django.urls import path

from project.urls import handler404, handler500  # noqa: F401
from project.urls import urlpatterns as project_urlpatterns
from tenancy.authentication import TenantJWTAuthentication
from tenancy.models import User
from work import selectors
from work.models import Team

PLAIN_COLUMNS = [
    "id", "team_id", "title", "description", "status", "priority", "assignee_id", "creator_id", "due_on",
    "position", "completed_at", "created_at", "updated_at", "comment_count", "attachment_count",
]


def plain_task_list(request):
    """The first 50 rows of the DRF list's query, authenticated the same way, as JSON without DRF."""
    result = TenantJWTAuthentication().authenticate(request)
    if result is None or request.tenant is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    user, _token = result
    rows = list(selectors.task_list(tenant=request.tenant, user=user).values(*PLAIN_COLUMNS)[:50])
    teams = dict(Team.objects.filter(pk__in={r["team_id"] for r in rows}).values_list("id", "name"))
    user_ids = {r["assignee_id"] for r in rows} | {r["creator_id"] for r in rows}
    users = {u["id"]: u for u in User.objects.filter(pk__in=user_ids).values("id", "email", "first_name", "last_name")}
    for row in rows:
        row["team_name"] = teams.get(row["team_id"])
        row["assignee"] = users.get(row.pop("assignee_id"))
        row["creator"] = users.get(row.pop("creator_id"))
    return JsonResponse({"results": rows})


urlpatterns = [path("bench/plain-tasks/", plain_task_list), *project_urlpatterns]
