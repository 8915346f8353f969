"""Single-use invitation tokens (company and team invitations): only their hash is stored."""

import hashlib
import secrets

from django.utils import timezone

from tenancy.exceptions import ServiceError


def token_new() -> tuple[str, str]:
    """Return a fresh token and the hash to store; the token itself only travels in the e-mail."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def invitation_check_usable(invitation) -> None:
    """Refuse an invitation that was used, revoked or has expired (each with its own code)."""
    if invitation.accepted_at is not None:
        raise ServiceError("This invitation has already been used.", code="invitation_used")
    if invitation.revoked_at is not None:
        raise ServiceError("This invitation has been revoked.", code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise ServiceError("This invitation has expired.", code="invitation_expired")
