from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from ops.outbox import outbox_enqueue


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@shared_task(acks_late=True)
def verify_pending_domains() -> dict:
    """Look up the DNS TXT record of every custom domain waiting for verification."""
    from tenancy.services.domains import domains_verify_pending

    return domains_verify_pending()


@shared_task(acks_late=True)
def build_export(*, export_id: int, tenant_id: int) -> str:
    """Build a company's data export archive and tell the requester."""
    from tenancy.models import Tenant
    from tenancy.services.exports import export_build, exports_purge_expired

    exports_purge_expired()
    export = export_build(tenant=Tenant.objects.get(pk=tenant_id), export_id=export_id)
    return export.status


def email_enqueue(*, to: list[str], subject: str, body: str, tenant_id: int | None = None) -> None:
    """Queue one e-mail through the outbox of the current transaction (the mail queue)."""
    outbox_enqueue(send_email, {"to": to, "subject": subject, "body": body}, queue=settings.QUEUE_MAIL,
                   tenant_id=tenant_id)
