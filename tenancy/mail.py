"""Outgoing e-mail: every message is an outbox row of the caller's transaction (the mail queue).

Services, forms and views call `email_enqueue`; the worker runs `tenancy.tasks.send_email`, named
here by string because the tasks module sits above the services that send mail.
"""

from django.conf import settings

from ops.outbox import outbox_enqueue

SEND_EMAIL_TASK = "tenancy.tasks.send_email"


def email_enqueue(*, to: list[str], subject: str, body: str, tenant_id: int | None = None) -> None:
    """Queue one e-mail through the outbox of the current transaction (the mail queue)."""
    outbox_enqueue(SEND_EMAIL_TASK, {"to": to, "subject": subject, "body": body}, queue=settings.QUEUE_MAIL,
                   tenant_id=tenant_id)
