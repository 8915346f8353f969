"""Checks of sign-up and invitation input (subdomain, password, e-mail), shared by the tenant and member services."""

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError

from tenancy.exceptions import ServiceError
from tenancy.models import Domain, Tenant, User

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$")


def subdomain_check(subdomain: str) -> str:
    """Return the normalized subdomain or raise a ServiceError saying why it cannot be used."""
    value = (subdomain or "").strip().lower()
    if not SUBDOMAIN_RE.match(value) or "--" in value or len(value) < 3:
        raise ServiceError(
            "Use 3-63 lower-case letters, digits and single hyphens, not at either end.",
            code="subdomain_invalid", fields={"subdomain": ["Not a valid subdomain."]},
        )
    if value in settings.RESERVED_SUBDOMAINS:
        raise ServiceError("This subdomain is reserved.", code="subdomain_reserved",
                           fields={"subdomain": ["This subdomain is reserved."]})
    if Tenant.objects.filter(slug=value).exists() or Domain.objects.filter(host=tenant_host(value)).exists():
        raise ServiceError("This subdomain is already taken.", code="subdomain_taken",
                           fields={"subdomain": ["This subdomain is already taken."]})
    return value


def tenant_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.TENANT_BASE_DOMAIN}"


def password_check(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ServiceError("The password is too weak.", code="password_too_weak",
                           fields={"password": exc.messages}) from exc


def email_check(email: str) -> str:
    value = (email or "").strip().lower()
    if User.objects.filter(email__iexact=value).exists():
        raise ServiceError("A user with this e-mail address already exists.", code="email_taken",
                           fields={"email": ["A user with this e-mail address already exists."]})
    return value
