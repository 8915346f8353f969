"""The billing cycle task through a real broker and worker (TEST_BROKER_URL, e.g. redis://127.0.0.1:6379/14)."""

import datetime
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from kombu import pools

from billing.models import Invoice, Subscription, SubscriptionStatus
from billing.tasks import run_billing_cycle
from billing.tests.factories import SubscriptionFactory
from project.celery import app

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

OVERRIDES = ("broker_url", "task_always_eager", "result_backend")
QUEUES = ["celery", "mail", "billing"]


def _reset_pools() -> None:
    """Drop connection and producer pools bound to the previous broker (they are rebuilt lazily)."""
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu keeps pools per connection globally; closed ones must leave the registry


@pytest.fixture
def broker_app():
    """Point the Celery app at the test broker for one test, then restore eager mode."""
    saved = {key: app.conf.get(key) for key in OVERRIDES}
    app.conf.update(broker_url=os.environ["TEST_BROKER_URL"], task_always_eager=False, result_backend=None)
    _reset_pools()
    with app.connection_for_write() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)
    try:
        yield app
    finally:
        _reset_pools()
        app.conf.update(saved)


def test_a_real_worker_runs_the_cycle_once(broker_app):
    day = datetime.date(2026, 2, 10)
    subscription = SubscriptionFactory(current_period_start=datetime.date(2026, 1, 10), current_period_end=day)
    with start_worker(broker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20,
                      queues=QUEUES):
        run_billing_cycle.delay(on=day.isoformat())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            subscription.refresh_from_db()
            if subscription.status == SubscriptionStatus.PAST_DUE:
                break
            time.sleep(0.2)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert Invoice.objects.filter(subscription=subscription).count() == 1  # the renewal, issued once
    assert Subscription.objects.get(pk=subscription.pk).past_due_since == day


@pytest.mark.django_db
def test_the_app_is_eager_again_afterwards(django_capture_on_commit_callbacks):
    from tenancy.tasks import send_email

    assert app.conf.task_always_eager is True
    with django_capture_on_commit_callbacks(execute=True):
        assert send_email.delay(to=["a@example.com"], subject="s", body="b").get() == 1
    assert not app.conf.broker_url or app.conf.broker_url != os.environ["TEST_BROKER_URL"]
