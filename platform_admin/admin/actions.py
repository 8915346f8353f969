"""The one way an admin object action calls a service: find the object, call, report, go back."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from platform_admin.admin.base import PlatformModelAdmin, back_to, next_url


def run_object_action(model_admin: PlatformModelAdmin, request: HttpRequest, object_id, call: Callable, *,
                      done: str, back: Callable | None = None) -> HttpResponse:
    """Run `call(obj)` for the object `object_id` names (404 if there is none, or not for this staff member).

    A `ServiceError` becomes an error message, success the message `done` (formatted with `obj`, the service's
    result or else the object); the service writes the audit row. Then back to the change list the action came
    from, otherwise to `back(obj)` (default: the object's own page).
    """
    obj = model_admin.get_object_or_404(request, object_id)
    model_admin.apply_service(request, obj, lambda: call(obj), done=done)
    default = back(obj) if back is not None else model_admin.model_url("change", obj.pk)
    return back_to(request, next_url(request, default))
