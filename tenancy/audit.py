"""The audit trail: one row per successful state change, written by the service that makes it.

A service calls `audit_record(...)` inside its own transaction, after the change and before it
returns, so a refused or rolled-back action leaves no row. The request context (client address,
user agent, channel) reaches it through a contextvar that `AuditContextMiddleware` sets once per
request; outside a request (Celery tasks, the billing cycle, management commands) the channel is
"job". `actor=None` means the named system actor (`SYSTEM_ACTOR`).

Verbs come from one enum, `AuditVerb` (tenancy/verbs.py, below the models that use it as choices):
add a member for every new kind of change.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from simple_history.utils import bulk_create_with_history

from tenancy.crypto import EncryptedTextField, redacted
from tenancy.models import ActivityLog
from tenancy.verbs import SYSTEM_ACTOR, SYSTEM_ACTOR_LABEL, AuditChannel, AuditVerb  # noqa: F401  (the services import them from here)


@dataclass(frozen=True)
class AuditContext:
    """Where the current action comes from; set once per request by AuditContextMiddleware."""

    channel: str = AuditChannel.JOB
    ip_address: str | None = None
    user_agent: str = ""


JOB_CONTEXT = AuditContext()
_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def audit_context() -> AuditContext:
    return _context.get() or JOB_CONTEXT


@contextlib.contextmanager
def audit_context_set(context: AuditContext) -> Iterator[AuditContext]:
    """Run a block (a request, a task) with `context` as the audit context."""
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def _plain(value):
    """A JSON-safe form of a field value (foreign keys by id, money as a string)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The JSON-safe values of `fields` on `obj` (a foreign key by its id: `team` reads `team_id`).

    Encrypted fields (tax ids, phone numbers) are redacted: the audit log must not hold in plain text
    what the database encrypts.
    """
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        value = getattr(obj, attname)
        values[name] = redacted(value) if isinstance(field, EncryptedTextField) else _plain(value)
    return values


def diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for every field whose value changed between two snapshots."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def created(obj: models.Model, fields: Iterable[str]) -> dict:
    """The diff of a new object: every listed field that has a value, from None to that value."""
    return {name: [None, value] for name, value in snapshot(obj, fields).items() if value not in (None, "")}


def deleted(obj: models.Model, fields: Iterable[str]) -> dict:
    """The diff of a removed object: every listed field that had a value, from that value to None."""
    return {name: [value, None] for name, value in snapshot(obj, fields).items() if value not in (None, "")}


# simple-history's change reason column (history_change_reason) holds this many characters.
CHANGE_REASON_MAX_LENGTH = 100


def change_reason(obj: models.Model, reason: str, *, actor) -> None:
    """Say why and for whom `obj` changes, on the history row its next save writes ("approved", "suspended: <reason>").

    Call it before the save; a long reason (a staff member's text) is cut to fit the column. `actor` is the
    row's history user, as on the audit row: the user the service acts for, or None for the system actor (the
    billing cycle, jobs), shown as "System" on history pages even when a request runs the job.
    """
    obj._change_reason = _fitted(reason)
    obj._history_user = actor


def _fitted(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > CHANGE_REASON_MAX_LENGTH:
        reason = reason[:CHANGE_REASON_MAX_LENGTH - 1] + "…"
    return reason


def bulk_create_with_reason(model: type[models.Model], objs: list, reason: str, *, actor) -> list:
    """`bulk_create` new rows of a model with history, one history row each with `reason` and `actor`.

    A plain `bulk_create` writes no history rows at all (no signals).
    """
    return bulk_create_with_history(objs, model, default_user=actor, default_change_reason=_fitted(reason))


def audit_record(*, tenant, actor, verb: AuditVerb | str, obj: models.Model | None = None,
                 changes: dict | None = None):
    """Write one audit row for a change the caller is making inside its transaction.

    `actor` None is the system actor. `changes` is `{field: [old, new]}` (see `diff`).
    """
    verb = AuditVerb(verb)
    context = audit_context()
    return ActivityLog.objects.create(
        tenant=tenant,
        actor=actor,
        actor_label=(actor.email if actor is not None else SYSTEM_ACTOR)[:254],
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_plain(changes or {}),
        channel=context.channel,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:300],
    )


def client_ip(request) -> str | None:
    # Behind a proxy, SecurityMiddleware/ipware settings decide; REMOTE_ADDR is the safe default.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Set the audit context (channel, client address, user agent) for the request's services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = AuditChannel.ADMIN if request.path.startswith("/admin/") else AuditChannel.API
        context = AuditContext(channel=channel, ip_address=client_ip(request),
                               user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        with audit_context_set(context):
            return self.get_response(request)
