"""DNS look-ups for custom domain verification (dnspython); tests replace `txt_records`."""

from django.conf import settings


class DnsUnavailable(Exception):
    """The DNS could not answer (timeout, no name servers): try again later."""


def txt_records(name: str) -> list[str]:
    """Return the TXT strings published at `name` ([] when the name or the record does not exist)."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=settings.DOMAIN_DNS_TIMEOUT)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:  # Timeout, NoNameservers, ...
        raise DnsUnavailable(str(exc)) from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
