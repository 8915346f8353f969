"""Custom domains a company manages: add, verify by DNS TXT record, remove.

A company admin adds `app.example.com`; the domain is PENDING and the answer names the TXT
record to publish (`_saas-verification.app.example.com` = `saas-verification=<token>`). The
verification job (every 10 minutes, or `POST .../verify/` at once) looks the record up; when it
is there the domain becomes ACTIVE and starts resolving to the company. A domain still unverified
`DOMAIN_VERIFICATION_DAYS` after it was added becomes FAILED (a manual check may still verify it).
Staff may set the status by hand in the control panel (override).
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy import dns
from tenancy.audit import AuditVerb, audit_record
from tenancy.exceptions import Conflict, NotFound, ServiceError
from tenancy.models import Domain, DomainStatus, Tenant, User

VERIFICATION_PREFIX = "_saas-verification"
MAX_CUSTOM_DOMAINS = 5
HOST_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")

# Machine-readable reasons a check did not verify, with what the company should do.
ERRORS = {
    "txt_record_missing": "No TXT record was found at the verification name yet (DNS changes can take a while).",
    "txt_record_mismatch": "A TXT record exists at the verification name but holds another value.",
    "dns_unavailable": "The DNS did not answer; the check is retried.",
    "verification_expired": "The record was not found in time; publish it and check again.",
}


def is_custom_host(host: str) -> bool:
    return not host.endswith(f".{settings.TENANT_BASE_DOMAIN}")


def verification_record(domain: Domain) -> dict | None:
    """The TXT record the company publishes to prove it controls the domain (None for subdomains)."""
    if not domain.verification_token:
        return None
    return {"type": "TXT", "name": f"{VERIFICATION_PREFIX}.{domain.host}",
            "value": f"saas-verification={domain.verification_token}"}


def _host_check(host: str) -> str:
    value = (host or "").strip().lower().rstrip(".")
    if not HOST_RE.match(value):
        raise ServiceError("Enter a domain name such as app.example.com.", code="domain_invalid",
                           fields={"host": ["Not a valid domain name."]})
    base = settings.TENANT_BASE_DOMAIN
    if value == base or value.endswith(f".{base}") or value in settings.PLATFORM_HOSTS:
        raise ServiceError("This domain belongs to the platform.", code="domain_reserved",
                           fields={"host": ["This domain belongs to the platform."]})
    return value


@transaction.atomic
def domain_add(*, tenant: Tenant, actor: User, host: str) -> Domain:
    """Add a custom domain, PENDING until its DNS TXT record is verified."""
    host = _host_check(host)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)  # serialise the per-company count
    if Domain.objects.filter(host=host).exists():
        raise Conflict("This domain is already in use.", code="domain_taken", fields={"host": ["Already in use."]})
    custom = [d for d in Domain.objects.filter(tenant=tenant).values_list("host", flat=True) if is_custom_host(d)]
    if len(custom) >= MAX_CUSTOM_DOMAINS:
        raise Conflict(f"A company may have at most {MAX_CUSTOM_DOMAINS} custom domains.", code="domain_limit")
    try:
        with transaction.atomic():
            domain = Domain.objects.create(tenant=tenant, host=host, is_primary=False, status=DomainStatus.PENDING,
                                           verification_token=secrets.token_urlsafe(24))
    except IntegrityError as exc:  # another company took it at the same moment
        raise Conflict("This domain is already in use.", code="domain_taken",
                       fields={"host": ["Already in use."]}) from exc
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.DOMAIN_ADDED, obj=domain,
                 changes={"host": [None, host], "status": [None, domain.status]})
    return domain


def _lock(tenant: Tenant, domain: Domain) -> Domain:
    try:
        return Domain.objects.select_for_update().get(pk=domain.pk, tenant=tenant)
    except Domain.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def domain_verify(*, tenant: Tenant, actor: User | None, domain: Domain) -> Domain:
    """Look the domain's TXT record up; ACTIVE when it holds the token, otherwise record why not."""
    domain = _lock(tenant, domain)
    if domain.status == DomainStatus.ACTIVE:
        return domain
    record = verification_record(domain)
    if record is None:
        raise Conflict("This domain has nothing to verify.", code="domain_not_custom")
    now = timezone.now()
    try:
        values = dns.txt_records(record["name"])
        code = "" if record["value"] in values else ("txt_record_mismatch" if values else "txt_record_missing")
    except dns.DnsUnavailable:
        code = "dns_unavailable"
    before = domain.status
    domain.last_checked_at, domain.last_error_code = now, code
    if not code:
        domain.status, domain.verified_at = DomainStatus.ACTIVE, now
    elif actor is None and code != "dns_unavailable" and (
            domain.created_at + timedelta(days=settings.DOMAIN_VERIFICATION_DAYS) <= now):
        domain.status, domain.last_error_code = DomainStatus.FAILED, "verification_expired"
    domain.save(update_fields=["status", "verified_at", "last_checked_at", "last_error_code", "updated_at"])
    if domain.status != before:
        verb = (AuditVerb.DOMAIN_VERIFIED if domain.status == DomainStatus.ACTIVE
                else AuditVerb.DOMAIN_VERIFICATION_FAILED)
        audit_record(tenant=tenant, actor=actor, verb=verb, obj=domain, changes={"status": [before, domain.status]})
    return domain


@transaction.atomic
def domain_remove(*, tenant: Tenant, actor: User, domain: Domain) -> None:
    """Remove a custom domain (the company's subdomain and its primary domain stay)."""
    domain = _lock(tenant, domain)
    if not is_custom_host(domain.host):
        raise Conflict("The company's subdomain cannot be removed.", code="domain_not_custom")
    if domain.is_primary:
        raise Conflict("The primary domain cannot be removed.", code="domain_primary")
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.DOMAIN_REMOVED, obj=domain,
                 changes={"host": [domain.host, None]})
    domain.delete()


def domains_verify_pending() -> dict:
    """Check every PENDING domain once (the periodic job); each domain in its own transaction."""
    counts = {"checked": 0, "verified": 0}
    for domain in Domain.objects.filter(status=DomainStatus.PENDING).select_related("tenant").order_by("pk"):
        result = domain_verify(tenant=domain.tenant, actor=None, domain=domain)
        counts["checked"] += 1
        counts["verified"] += result.status == DomainStatus.ACTIVE
    return counts
