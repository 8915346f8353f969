"""Liveness and readiness probes for load balancers and orchestrators."""

import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def live(request):
    """Answer 200 while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("health:ping", "pong", 5)
    if cache.get("health:ping") != "pong":
        raise RuntimeError("cache did not return the value it stored")


def _check_broker() -> None:
    from project.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_storage() -> None:
    """The uploads' storage answers: S3's bucket exists and the credentials may use it; a local folder exists."""
    from django.core.files.storage import default_storage

    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:  # django-storages' S3Storage
        bucket.meta.client.head_bucket(Bucket=bucket.name)
    elif hasattr(default_storage, "location"):  # a local folder: created on the first upload if missing
        folder = Path(default_storage.location)
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError("the media folder is not writable")


def _replica() -> dict:
    from project.db_router import REPLICA, monitor

    if REPLICA not in settings.DATABASES:
        return {"state": "not configured"}
    monitor.check()
    return {"state": monitor.state, "lag_seconds": monitor.lag, "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS,
            **({"error": monitor.error} if monitor.error else {})}


def ready(request):
    """Tell a load balancer whether this process can serve.

    503 with Retry-After when the primary database or the file storage fails. The cache (Redis), the
    broker and the replica are reported: their outage degrades the process (reads go to the primary,
    side effects wait in the outbox) but leaves it ready.
    """
    from project.cache import cache_failures
    from project.errors import service_unavailable

    checks = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"error: {exc.__class__.__name__}"
    body = {"checks": results, "replica": _replica(), "cache_failures": cache_failures()}
    if results["database"] != "ok" or results["storage"] != "ok":
        response = service_unavailable(request)
        response.content = JsonResponse({"status": "unavailable", **body}).content
        response["Content-Type"] = "application/json"
        return response
    degraded = any(value != "ok" for value in results.values()) or body["replica"]["state"] not in ("ok",
                                                                                                    "not configured")
    return JsonResponse({"status": "degraded" if degraded else "ok", **body})
