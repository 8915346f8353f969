from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from tenancy.models import Tenant
from tenancy.services.domains import domains_verify_pending
from tenancy.services.exports import export_build, exports_purge_expired


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@shared_task(acks_late=True)
def verify_pending_domains() -> dict:
    """Look up the DNS TXT record of every custom domain waiting for verification."""
    return domains_verify_pending()


@shared_task(acks_late=True)
def purge_expired_exports() -> int:
    """Hourly: delete the archives of expired exports (a company's data must not outlive its download link)."""
    return exports_purge_expired()


@shared_task(acks_late=True)
def build_export(*, export_id: int, tenant_id: int) -> str:
    """Build a company's data export archive and tell the requester."""
    exports_purge_expired()
    export = export_build(tenant=Tenant.objects.get(pk=tenant_id), export_id=export_id)
    return export.status
