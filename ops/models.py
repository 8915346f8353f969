"""Operational tables: the transactional outbox, idempotency keys and the beat lock.

`ops` sits below every other app: it imports none of them, so tenant ids are plain integers here.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A side effect (a Celery task and its arguments) written in the transaction that caused it."""

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    queue = models.CharField(max_length=50, default="celery")
    tenant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The relay (re)publishes undelivered rows whose available_at has passed: after a failed publish
    # it backs off, after a successful one it waits OUTBOX_REDELIVER_SECONDS for the delivery.
    available_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    runs = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "available_at"], name="ops_outbox_pending_idx")]

    def __str__(self):
        return f"{self.task} #{self.pk}"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to its retries."""

    scope = models.CharField(max_length=100)  # "u<user id>" or "t<tenant id>:anonymous"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="ops_idempotency_scope_key_uniq")]
        indexes = [models.Index(fields=["expires_at"], name="ops_idempotency_expires_idx")]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class SchedulerLock(models.Model):
    """A lease that lets exactly one beat process schedule jobs."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} held by {self.holder}"
