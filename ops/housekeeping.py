"""Daily housekeeping: expired JWT rows, old activity, notifications and history, spent ops rows.

Models of other apps are looked up by label (ops imports no app). A retention of 0 days keeps rows
forever. Deletes run in batches so that no statement holds many locks.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("ops.housekeeping")

BATCH = 2000


def _delete_in_batches(queryset) -> int:
    deleted = 0
    while True:
        pks = list(queryset.order_by().values_list("pk", flat=True)[:BATCH])
        if not pks:
            return deleted
        queryset.model._default_manager.filter(pk__in=pks).delete()
        deleted += len(pks)


def _older_than(label: str, field: str, days: int) -> int:
    if days <= 0:
        return 0
    model = apps.get_model(label)
    cutoff = timezone.now() - timedelta(days=days)
    return _delete_in_batches(model._default_manager.filter(**{f"{field}__lt": cutoff}))


def housekeeping_run() -> dict[str, int]:
    """Delete what has outlived its use; return how many rows went, per kind."""
    from simple_history.models import registered_models

    now = timezone.now()
    done: dict[str, int] = {}
    # Expired refresh tokens can never be used again; their blacklist rows go with them (cascade).
    outstanding = apps.get_model("token_blacklist", "OutstandingToken")
    done["jwt_tokens"] = _delete_in_batches(outstanding.objects.filter(expires_at__lt=now))
    done["activity"] = _older_than("tenancy.ActivityLog", "created_at", settings.ACTIVITY_RETENTION_DAYS)
    if apps.is_installed("work"):
        done["task_activity"] = _older_than("work.TaskActivity", "created_at", settings.ACTIVITY_RETENTION_DAYS)
    done["notifications"] = _older_than("tenancy.Notification", "created_at",
                                        settings.NOTIFICATION_RETENTION_DAYS)
    history = 0
    if settings.HISTORY_RETENTION_DAYS > 0:
        cutoff = now - timedelta(days=settings.HISTORY_RETENTION_DAYS)
        for model in list(registered_models.values()):
            history += _delete_in_batches(model.history.model.objects.filter(history_date__lt=cutoff))
    done["history"] = history
    done["idempotency_keys"] = _delete_in_batches(
        apps.get_model("ops.IdempotencyKey").objects.filter(expires_at__lt=now))
    done["outbox"] = _older_than("ops.OutboxMessage", "delivered_at", settings.OUTBOX_RETENTION_DAYS)
    logger.info("housekeeping: %s", done)
    return done
