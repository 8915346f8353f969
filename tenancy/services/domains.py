"""Custom domains a company manages: add, verify by DNS TXT record, remove.

A company admin adds `app.example.com`; the domain is PENDING and the answer names the TXT
record to publish (`_saas-verification.app.example.com` = `saas-verification=<token>`). The
verification job (every 10 minutes, or `POST .../verify/` at once) looks the record up; when it
is there the domain becomes ACTIVE and starts resolving to the company. A domain still unverified
`DOMAIN_VERIFICATION_DAYS` after it was added becomes FAILED (a manual check may still verify it).
Staff may add domains and set a domain's status or primary flag by hand in the control panel
(`domain_staff_save`, an override: a domain staff set ACTIVE resolves without a DNS check).
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy import dns
from tenancy.audit import AuditVerb, audit_record, change_reason, diff, snapshot
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
            domain = Domain(tenant=tenant, host=host, is_primary=False, status=DomainStatus.PENDING,
                            verification_token=secrets.token_urlsafe(24))
            change_reason(domain, "added, awaiting DNS verification", actor=actor)
            domain.save(force_insert=True)
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
    change_reason(domain, "verified" if not code else f"not verified: {domain.last_error_code}", actor=actor)
    domain.save(update_fields=["status", "verified_at", "last_checked_at", "last_error_code", "updated_at"])
    if domain.status != before:
        verb = (AuditVerb.DOMAIN_VERIFIED if domain.status == DomainStatus.ACTIVE
                else AuditVerb.DOMAIN_VERIFICATION_FAILED)
        audit_record(tenant=tenant, actor=actor, verb=verb, obj=domain, changes={"status": [before, domain.status]})
    return domain


def domain_remove_check(domain: Domain) -> None:
    """Refuse removing the company's subdomain or its primary domain."""
    if not is_custom_host(domain.host):
        raise Conflict("The company's subdomain cannot be removed.", code="domain_not_custom")
    if domain.is_primary:
        raise Conflict("The primary domain cannot be removed.", code="domain_primary")


@transaction.atomic
def domain_remove(*, tenant: Tenant, actor: User, domain: Domain) -> None:
    """Remove a custom domain (the company's subdomain and its primary domain stay)."""
    domain = _lock(tenant, domain)
    domain_remove_check(domain)
    audit_record(tenant=tenant, actor=actor, verb=AuditVerb.DOMAIN_REMOVED, obj=domain,
                 changes={"host": [domain.host, None]})
    change_reason(domain, "removed", actor=actor)
    domain.delete()


SUBDOMAIN_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
STAFF_AUDITED_FIELDS = ("host", "is_primary", "status")


def _staff_host(host: str) -> str:
    """A custom domain as companies may add it, or one label under the platform's base domain."""
    value = (host or "").strip().lower().rstrip(".")
    suffix = f".{settings.TENANT_BASE_DOMAIN}"
    if value.endswith(suffix) and SUBDOMAIN_LABEL_RE.match(value[:-len(suffix)]):
        return value
    return _host_check(value)


def domain_staff_check(*, tenant: Tenant, domain: Domain | None, host: str, is_primary: bool, status: str,
                       primary_elsewhere: bool = False) -> str:
    """Refuse a staff edit of a company's domain (`domain` None: a new one); return the normalised host.

    `primary_elsewhere`: another of the company's domains becomes primary in the same edit (which
    demotes this one), so unticking this one's primary flag is no refusal.
    """
    host = _staff_host(host)
    if status not in DomainStatus.values:
        raise ServiceError("Choose a domain status.", code="domain_status_invalid",
                           fields={"status": [f"Not one of {', '.join(DomainStatus.values)}."]})
    others = Domain.objects.filter(host=host)
    if domain is not None:
        others = others.exclude(pk=domain.pk)
    if others.exists():
        raise Conflict("This domain is already in use.", code="domain_taken", fields={"host": ["Already in use."]})
    if domain is not None and not is_primary and not primary_elsewhere:
        current = Domain.objects.filter(pk=domain.pk, tenant=tenant).values_list("is_primary", flat=True).first()
        if current:
            raise Conflict("A company keeps one primary domain: make another domain primary instead.",
                           code="domain_primary", fields={"is_primary": ["The primary domain stays primary."]})
    if is_primary and status != DomainStatus.ACTIVE:
        raise ServiceError("The primary domain must be active.", code="domain_primary_inactive",
                           fields={"status": ["The primary domain must be active."]})
    return host


@transaction.atomic
def domain_staff_save(*, tenant: Tenant, actor: User, domain: Domain | None, host: str, is_primary: bool,
                      status: str) -> Domain:
    """Staff override in the control panel: add a domain to a company, or change a domain's host, primary
    flag or status. Making a domain primary demotes the company's other primary domain (in the same
    audit row); a custom domain set ACTIVE resolves at once, without its DNS check."""
    Tenant.objects.select_for_update().get(pk=tenant.pk)  # serialise the company's domain changes
    if domain is not None:
        domain = _lock(tenant, domain)
    host = domain_staff_check(tenant=tenant, domain=domain, host=host, is_primary=is_primary, status=status)
    before = (snapshot(domain, STAFF_AUDITED_FIELDS) if domain is not None
              else {"host": None, "is_primary": False, "status": None})
    changes = {}
    if is_primary:
        demoted = list(Domain.objects.select_for_update().filter(tenant=tenant, is_primary=True)
                       .exclude(pk=getattr(domain, "pk", None)))
        for other in demoted:
            other.is_primary = False
            change_reason(other, "another domain made primary by staff", actor=actor)
            other.save(update_fields=["is_primary", "updated_at"])
        if demoted:
            changes["demoted_primary"] = [", ".join(d.host for d in demoted), None]
    if domain is None:
        domain = Domain(tenant=tenant, verification_token=secrets.token_urlsafe(24) if is_custom_host(host) else "")
    domain.host, domain.is_primary, domain.status = host, is_primary, status
    change_reason(domain, "changed by staff", actor=actor)
    try:
        with transaction.atomic():
            if domain.pk is None:
                domain.save()
            else:
                domain.save(update_fields=[*STAFF_AUDITED_FIELDS, "updated_at"])
    except IntegrityError as exc:  # another company took the host at the same moment
        raise Conflict("This domain is already in use.", code="domain_taken",
                       fields={"host": ["Already in use."]}) from exc
    changes = {**diff(before, snapshot(domain, STAFF_AUDITED_FIELDS)), **changes}
    if changes:
        verb = AuditVerb.DOMAIN_ADDED if before["host"] is None else AuditVerb.DOMAIN_UPDATED
        audit_record(tenant=tenant, actor=actor, verb=verb, obj=domain, changes=changes)
    return domain


def domains_verify_pending() -> dict:
    """Check every PENDING domain once (the periodic job); each domain in its own transaction."""
    counts = {"checked": 0, "verified": 0}
    for domain in Domain.objects.filter(status=DomainStatus.PENDING).select_related("tenant").order_by("pk"):
        result = domain_verify(tenant=domain.tenant, actor=None, domain=domain)
        counts["checked"] += 1
        counts["verified"] += result.status == DomainStatus.ACTIVE
    return counts
