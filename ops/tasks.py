"""Celery tasks of the operations app: the outbox relay and delivery, and daily housekeeping."""

from celery import shared_task

from ops import outbox
from ops.housekeeping import housekeeping_run


@shared_task(ignore_result=True)
def outbox_deliver(*, message_id: int) -> str:
    """Run one outbox row's task exactly once."""
    return outbox.outbox_deliver(message_id=message_id)


@shared_task(ignore_result=True)
def outbox_relay() -> int:
    """Publish the outbox rows that are due (beat runs this every few seconds)."""
    return outbox.outbox_relay()


@shared_task
def housekeeping() -> dict:
    """Daily: flush expired JWT rows and apply the retention of activity, notifications and history."""
    return housekeeping_run()
