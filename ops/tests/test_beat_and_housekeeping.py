"""One beat schedules however many run; daily housekeeping deletes what outlived its use."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops.beat import LOCK_NAME, SingleBeatScheduler, lease_acquire
from ops.housekeeping import housekeeping_run
from ops.models import IdempotencyKey, OutboxMessage, SchedulerLock
from project.celery import app


def test_only_one_holder_gets_the_lease_until_it_expires(db):
    assert lease_acquire(name="x", holder="a", seconds=30)
    assert not lease_acquire(name="x", holder="b", seconds=30)
    assert lease_acquire(name="x", holder="a", seconds=30)  # renewal
    SchedulerLock.objects.filter(name="x").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease_acquire(name="x", holder="b", seconds=30)  # the first one died
    assert not lease_acquire(name="x", holder="a", seconds=30)


@pytest.mark.django_db(transaction=True)
def test_two_beats_started_only_one_sends_jobs(monkeypatch):
    sent = []
    monkeypatch.setattr(SingleBeatScheduler, "apply_entry", lambda self, entry, producer=None: sent.append(
        (self.holder, entry.name)))
    first = SingleBeatScheduler(app=app, lazy=True)
    second = SingleBeatScheduler(app=app, lazy=True)
    second.holder = "another-host:1"
    first.setup_schedule()
    second.setup_schedule()
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(days=2))  # every job is due
    try:
        for _ in range(3):
            first.tick()
            second.tick()
        assert first.is_leader and not second.is_leader
        assert sent and {holder for holder, _ in sent} == {first.holder}
        SchedulerLock.objects.filter(name=LOCK_NAME).update(expires_at=timezone.now() - timedelta(seconds=1))
        second.tick()  # the leader died: its lease ran out
        assert second.is_leader
    finally:
        first.close()
        second.close()


def test_housekeeping_deletes_expired_tokens_old_rows_and_keeps_recent_ones(member, tenant, settings):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    from tenancy.models import ActivityLog, Notification

    settings.NOTIFICATION_RETENTION_DAYS = 30
    settings.ACTIVITY_RETENTION_DAYS = 0  # keep forever
    now = timezone.now()
    expired = OutstandingToken.objects.create(user=member, jti="old", token="t1", expires_at=now - timedelta(days=1))
    BlacklistedToken.objects.create(token=expired)
    alive = OutstandingToken.objects.create(user=member, jti="new", token="t2", expires_at=now + timedelta(days=1))
    old_note = Notification.objects.create(tenant=tenant, recipient=member, type="task_assigned", title="old")
    Notification.objects.filter(pk=old_note.pk).update(created_at=now - timedelta(days=31))
    new_note = Notification.objects.create(tenant=tenant, recipient=member, type="task_assigned", title="new")
    old_log = ActivityLog.objects.create(tenant=tenant, verb="x")
    ActivityLog.objects.filter(pk=old_log.pk).update(created_at=now - timedelta(days=3000))
    IdempotencyKey.objects.create(scope="u1", key="k", request_hash="h", method="POST", path="/",
                                  expires_at=now - timedelta(hours=1))
    OutboxMessage.objects.create(task="t", delivered_at=now - timedelta(days=30))

    done = housekeeping_run()

    assert list(OutstandingToken.objects.all()) == [alive] and not BlacklistedToken.objects.exists()
    assert list(Notification.objects.all()) == [new_note]
    assert ActivityLog.objects.filter(pk=old_log.pk).exists()
    assert not IdempotencyKey.objects.exists() and not OutboxMessage.objects.exists()
    assert done["jwt_tokens"] == 1 and done["notifications"] == 1 and done["activity"] == 0
