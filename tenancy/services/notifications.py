"""The notify service every app calls, and notification read state and preferences."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tenancy.audit import AuditVerb, audit_record
from tenancy.mail import email_enqueue
from tenancy.models import Notification, NotificationPreference, Tenant, User
from tenancy.services.common import model_update


def _preferences(*, tenant: Tenant, users: list[User], type: str) -> dict[int, NotificationPreference]:
    rows = NotificationPreference.objects.filter(tenant=tenant, user__in=users, type=type)
    return {row.user_id: row for row in rows}


def notify(
    *,
    tenant: Tenant,
    recipients: Iterable[User],
    type: str,
    title: str,
    body: str = "",
    data: dict | None = None,
) -> list[Notification]:
    """Notify users of `tenant` in-app and by e-mail, as each one's preferences allow.

    E-mails are outbox rows of the surrounding transaction: relayed once it commits, never lost.
    """
    users = [u for u in {u.pk: u for u in recipients}.values() if u.tenant_id == tenant.id and u.is_active]
    if not users:
        return []
    prefs = _preferences(tenant=tenant, users=users, type=type)
    created = Notification.objects.bulk_create(
        [
            Notification(tenant=tenant, recipient=user, type=type, title=title, body=body, data=data or {})
            for user in users
            if prefs.get(user.pk) is None or prefs[user.pk].in_app
        ]
    )
    emails = [user.email for user in users if prefs.get(user.pk) is None or prefs[user.pk].email]
    for address in emails:
        email_enqueue(to=[address], subject=f"[{tenant.name}] {title}", body=body or title, tenant_id=tenant.id)
    return created


def notification_mark_read(*, tenant: Tenant, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (idempotent)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, tenant: Tenant, user: User) -> int:
    """Mark every unread notification of the user read; return how many changed."""
    return Notification.objects.filter(tenant=tenant, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preferences_update(*, tenant: Tenant, user: User, changes: list[dict]) -> None:
    """Set the in-app and e-mail switches of the given notification types.

    Read state is personal and not audited; a changed preference is (`{"<type>.<channel>": [old, new]}`).
    """
    audited = {}
    for change in changes:
        row, _ = NotificationPreference.objects.select_for_update().get_or_create(
            tenant=tenant, user=user, type=change["type"])
        for key, values in model_update(row, change, allowed=("in_app", "email"), actor=user).items():
            audited[f"{change['type']}.{key}"] = values
    if audited:
        audit_record(tenant=tenant, actor=user, verb=AuditVerb.USER_PREFERENCES_UPDATED, obj=user, changes=audited)

