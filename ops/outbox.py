"""The transactional outbox: side effects are rows written with the write, relayed to Celery later.

`outbox_enqueue` stores the task and its arguments in the caller's transaction and, once that
transaction commits, tries to publish it at once (the "kick"). A broker that is down or hung only
leaves the row waiting: the periodic relay (`ops.tasks.outbox_relay`, every few seconds through beat)
publishes it again with back-off. The worker runs the task through `outbox_deliver`, which claims the
row first, so a message published twice (a relay after a lost kick, a redelivery after a killed
worker) still runs once.
"""

import contextlib
import logging
import queue
import threading
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ops.models import OutboxMessage

logger = logging.getLogger("ops.outbox")

BATCH = 500


# The worker-side task, by name: ops.tasks wraps this module's functions, so this module cannot import it.
DELIVER_TASK = "ops.tasks.outbox_deliver"


def registered_task(name: str):
    """The Celery task registered as `name`, importing the apps' tasks modules on first need.

    Services name their tasks by string (the tasks modules sit above the services that queue them),
    so a web process may not have imported a tasks module yet: Celery's autodiscovery does it here.
    """
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"outbox: no Celery task is registered as {name!r}") from None


def _task_name(task) -> str:
    """The registered name of `task` (a task or its name); an unknown name fails now, not at delivery."""
    return registered_task(task).name if isinstance(task, str) else task.name


def outbox_enqueue(task, kwargs: dict, *, queue: str = "celery", tenant_id: int | None = None) -> OutboxMessage:
    """Store `task(**kwargs)` in the current transaction; publish it once the transaction commits.

    `tenant_id` only labels the row for operators; the task gets exactly `kwargs`.
    """
    message = OutboxMessage.objects.create(task=_task_name(task), kwargs=kwargs, queue=queue, tenant_id=tenant_id)
    transaction.on_commit(lambda: _kick_soon(message.pk), robust=True)
    return message


_kicks: "queue.Queue[int]" = queue.Queue()
_kicker: threading.Thread | None = None
_kicker_lock = threading.Lock()


def _kick_soon(message_id: int) -> None:
    """Publish a committed row: inline in eager mode, else from a background thread (never blocks)."""
    if current_app.conf.task_always_eager:
        outbox_kick(message_ids=[message_id])
        return
    global _kicker
    _kicks.put(message_id)
    with _kicker_lock:
        if _kicker is None or not _kicker.is_alive():
            _kicker = threading.Thread(target=_kicker_loop, name="outbox-kicker", daemon=True)
            _kicker.start()


def _kicker_loop() -> None:
    while True:
        ids = [_kicks.get()]
        while len(ids) < BATCH:
            try:
                ids.append(_kicks.get_nowait())
            except queue.Empty:
                break
        try:
            close_old_connections()
            outbox_kick(message_ids=ids)
        except Exception:
            logger.exception("outbox: kicker could not publish %s", ids)
        finally:
            with contextlib.suppress(Exception):
                connection.close()


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), settings.OUTBOX_MAX_BACKOFF_SECONDS))


def _publish(message: OutboxMessage) -> bool:
    """Hand one row to the broker; record the outcome on the row. Never raises."""
    try:
        registered_task(DELIVER_TASK).apply_async(kwargs={"message_id": message.pk}, queue=message.queue, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure only delays the message
        now = timezone.now()
        attempts = message.publish_attempts + 1
        logger.warning("outbox: publishing %s failed (%s: %s); retrying later", message, type(exc).__name__, exc)
        OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
            publish_attempts=attempts, available_at=now + _backoff(attempts),
            last_error=f"publish: {type(exc).__name__}: {exc}"[:2000],
        )
        return False
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
        publish_attempts=F("publish_attempts") + 1, published_at=now,
        available_at=now + timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS),
    )
    return True


def outbox_kick(*, message_ids: list[int]) -> None:
    """Publish freshly committed rows right away (called on commit; failures wait for the relay)."""
    try:
        for message in OutboxMessage.objects.filter(pk__in=message_ids, delivered_at__isnull=True):
            _publish(message)
    except Exception:
        logger.exception("outbox: kick failed; the relay will publish %s", message_ids)


def outbox_relay(*, limit: int = BATCH) -> int:
    """Publish undelivered rows that are due (never published, failed to publish, or not run in time)."""
    published = 0
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, available_at__lte=timezone.now())
            .order_by("available_at", "id")[:limit]
        )
        for message in due:
            published += _publish(message)
    return published


def outbox_deliver(*, message_id: int) -> str:
    """Run the row's task once: claim it, run it, mark it delivered (or release it for a retry)."""
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=message_id, delivered_at__isnull=True,
    ).update(claimed_until=now + lease, runs=F("runs") + 1)
    if not claimed:
        # Someone holds the lease: a worker running it, or one that died (kill -9) with it. Publish it again
        # when the lease ends, not a whole redelivery period later (the dead worker's job waited up to
        # lease + OUTBOX_REDELIVER_SECONDS; a live worker marks it delivered first and the relay skips it).
        OutboxMessage.objects.filter(pk=message_id, delivered_at__isnull=True, claimed_until__gt=now).update(
            available_at=F("claimed_until"))
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        registered_task(message.task)(**message.kwargs)
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the relay retries with back-off
        logger.warning("outbox: %s failed (%s: %s); retrying later", message, type(exc).__name__, exc)
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_until=None, available_at=timezone.now() + _backoff(message.runs),
            last_error=f"run: {type(exc).__name__}: {exc}"[:2000],
        )
        return "failed"
    OutboxMessage.objects.filter(pk=message_id).update(delivered_at=timezone.now(), claimed_until=None,
                                                        last_error="")
    return "delivered"


def outbox_purge(*, days: int) -> int:
    """Delete delivered rows older than `days` (housekeeping)."""
    cutoff = timezone.now() - timedelta(days=days)
    return OutboxMessage.objects.filter(delivered_at__lt=cutoff).delete()[0]
