from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@shared_task(acks_late=True)
def verify_pending_domains() -> dict:
    """Look up the DNS TXT record of every custom domain waiting for verification."""
    from tenancy.services.domains import domains_verify_pending

    return domains_verify_pending()
