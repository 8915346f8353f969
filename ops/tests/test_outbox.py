"""The transactional outbox: side effects committed with the write, relayed later, run once."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu import pools

from ops import outbox
from ops.models import OutboxMessage
from project.celery import app
from project.testing import OwnRedis, has_redis_server
from tenancy.mail import email_enqueue
from tenancy.models import TenantInvitation
from tenancy.tasks import send_email

QUEUES = ["celery", "mail", "billing"]


def _reset_pools() -> None:
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def broker_at():
    """broker_at(url): point Celery at a broker of the test's own (not eager), then restore."""
    keys = ("broker_url", "task_always_eager", "result_backend")
    saved = {key: app.conf.get(key) for key in keys}

    def point(url: str):
        _reset_pools()
        app.conf.update(broker_url=url, task_always_eager=False, result_backend=None)
        return app

    yield point
    _reset_pools()
    app.conf.update(saved)


def test_a_committed_write_sends_its_mail_on_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email_enqueue(to=["a@example.com"], subject="Hello", body="Body")
        assert mail.outbox == []  # nothing leaves before the commit
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    message = OutboxMessage.objects.get()
    assert message.delivered_at is not None and message.runs == 1 and message.queue == "mail"


def test_a_rolled_back_write_leaves_no_message(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        email_enqueue(to=["a@example.com"], subject="Hello", body="Body")
        raise RuntimeError("the write fails")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_task_named_by_string_is_checked_at_enqueue(db):
    # Services name their tasks (the tasks modules import the services); a typo fails in the write.
    message = outbox.outbox_enqueue("tenancy.tasks.send_email", {"to": ["a@example.com"], "subject": "S",
                                                                 "body": "B"})
    assert message.task == send_email.name
    with pytest.raises(LookupError, match="no_such_task"):
        outbox.outbox_enqueue("tenancy.tasks.no_such_task", {})
    assert OutboxMessage.objects.count() == 1


def test_a_message_delivered_twice_runs_once(db):
    message = outbox.outbox_enqueue(send_email, {"to": ["a@example.com"], "subject": "s", "body": "b"},
                                    queue="mail")
    assert outbox.outbox_deliver(message_id=message.pk) == "delivered"
    assert outbox.outbox_deliver(message_id=message.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_message_claimed_by_a_running_worker_is_not_run_again(db):
    message = outbox.outbox_enqueue(send_email, {"to": ["a@example.com"], "subject": "s", "body": "b"},
                                    queue="mail")
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() + timedelta(seconds=30))
    assert outbox.outbox_deliver(message_id=message.pk) == "skipped"
    assert mail.outbox == []


def test_a_job_held_by_a_dead_worker_is_published_again_when_its_lease_ends(db):
    message = outbox.outbox_enqueue(send_email, {"to": ["a@example.com"], "subject": "s", "body": "b"},
                                    queue="mail")
    lease_end = timezone.now() + timedelta(seconds=30)
    # Claimed by a worker that was then killed; published again 15 s later, not the lease's 30.
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=lease_end,
                                                       available_at=timezone.now() + timedelta(seconds=15))
    assert outbox.outbox_deliver(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert message.available_at == lease_end and mail.outbox == []
    assert outbox.outbox_relay() == 0  # the lease still holds
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - timedelta(seconds=1),
                                                       available_at=timezone.now() - timedelta(seconds=1))
    assert outbox.outbox_relay() == 1  # the lease ended: published and run (eager in tests)
    message.refresh_from_db()
    assert message.delivered_at is not None and len(mail.outbox) == 1
    assert outbox.outbox_deliver(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert message.delivered_at is not None  # a delivered row is left alone


def test_a_failing_task_is_retried_with_back_off(db, monkeypatch):
    message = outbox.outbox_enqueue(send_email, {"to": ["a@example.com"], "subject": "s", "body": "b"},
                                    queue="mail")

    def smtp_down(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("tenancy.tasks.send_mail", smtp_down)
    assert outbox.outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.delivered_at is None and message.claimed_until is None
    assert message.available_at > timezone.now() and "smtp down" in message.last_error
    assert outbox.outbox_relay() == 0  # not due yet
    monkeypatch.undo()
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox.outbox_relay() == 1  # eager in tests: published and run
    message.refresh_from_db()
    assert message.delivered_at is not None and len(mail.outbox) == 1


def test_broker_down_the_write_answers_2xx_and_the_mail_waits(api, tenant_admin, broker_at,
                                                             django_capture_on_commit_callbacks):
    from project.testing import free_port

    broker_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(tenant_admin).post("/api/tenants/invitations/", {"email": "new@alpha.example",
                                                                          "role": "MEMBER"})
    assert response.status_code == 201, response.content
    assert TenantInvitation.objects.filter(email="new@alpha.example").exists()
    message = OutboxMessage.objects.get()
    outbox.outbox_kick(message_ids=[message.pk])  # what the commit hook's thread does
    message.refresh_from_db()
    assert message.delivered_at is None and message.publish_attempts == 1
    assert "OperationalError" in message.last_error and message.available_at > timezone.now()
    assert len(callbacks) == 1 and mail.outbox == []


@pytest.mark.skipif(not has_redis_server(), reason="needs redis-server")
@pytest.mark.mariadb  # a worker thread and this one write the same rows: SQLite's shared memory database locks
@pytest.mark.django_db(transaction=True)
def test_broker_outage_delays_mail_and_delivers_it_exactly_once(api, tenant_admin, broker_at):
    from celery.contrib.testing.worker import start_worker

    redis = OwnRedis()
    try:
        broker_at(redis.url)  # the broker is down: never started
        response = api(tenant_admin).post("/api/tenants/invitations/", {"email": "new@alpha.example",
                                                                          "role": "MEMBER"})
        assert response.status_code == 201, response.content
        message = OutboxMessage.objects.get()
        deadline = time.monotonic() + 15
        while OutboxMessage.objects.get().publish_attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # the commit hook's thread tries, and fails
        message.refresh_from_db()
        assert message.publish_attempts >= 1 and message.delivered_at is None and mail.outbox == []

        redis.start()  # the broker is back
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=QUEUES):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                outbox.outbox_relay()  # what beat runs every few seconds
                message.refresh_from_db()
                if message.delivered_at:
                    break
                time.sleep(0.5)
            assert message.delivered_at is not None
            outbox._publish(message)  # a duplicate publish (e.g. a relay after a lost acknowledgement)
            time.sleep(2)
        assert [m.to for m in mail.outbox] == [["new@alpha.example"]]
        assert OutboxMessage.objects.get().runs == 1
    finally:
        redis.close()


def test_the_billing_fan_out_runs_each_company_once_through_the_outbox(db, django_capture_on_commit_callbacks):
    import datetime

    from billing.models import Invoice, SubscriptionStatus
    from billing.tasks import run_billing_cycle
    from billing.tests.factories import SubscriptionFactory

    day = datetime.date(2026, 2, 10)
    subscriptions = [SubscriptionFactory(current_period_start=datetime.date(2026, 1, 10), current_period_end=day)
                     for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        assert run_billing_cycle.delay(on=day.isoformat()).get() == 2
    rows = OutboxMessage.objects.filter(task="billing.tasks.run_billing_cycle_for_tenant")
    assert rows.count() == 2 and all(row.delivered_at and row.queue == "billing" for row in rows)
    assert {row.kwargs["tenant_id"] for row in rows} == {s.tenant_id for s in subscriptions}
    for subscription in subscriptions:
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.PAST_DUE
        assert Invoice.objects.filter(subscription=subscription).count() == 1
    for row in rows:  # a duplicate delivery changes nothing
        assert outbox.outbox_deliver(message_id=row.pk) == "skipped"
