"""Demo data of the tenancy app: staff, three working companies and one awaiting approval."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tenancy.models import Domain, Role, Tenant, TenantSettings, TenantStatus, User

DEMO_PASSWORD = "demo-pass-2026"

STAFF = [
    # email, first name, is_superuser, group
    ("owner@saasplatform.com", "Olivia Owner", True, None),
    ("support@saasplatform.com", "Sam Support", False, "Support"),
    ("finance@saasplatform.com", "Fiona Finance", False, "Finance"),
]

TENANTS = [
    # key, name, extra custom domain, status, e-mail domain
    ("acme", "Acme Corporation", None, TenantStatus.ACTIVE, "acme.com"),
    ("tech", "Tech Innovators", None, TenantStatus.ACTIVE, "techinnovators.com"),
    ("customdomain", "Custom Domain Co.", "custom-domain.com", TenantStatus.ACTIVE, "custom-domain.com"),
    ("newco", "NewCo Startup", None, TenantStatus.PENDING, "newco.io"),
    # Smaller companies whose subscriptions show the rest of the billing states (billing's demo sets them).
    ("hooli", "Hooli", None, TenantStatus.ACTIVE, "hooli.example"),
    ("globex", "Globex Corporation", None, TenantStatus.ACTIVE, "globex.example"),
    ("initech", "Initech", None, TenantStatus.ACTIVE, "initech.example"),
    ("umbrella", "Umbrella Ltd", None, TenantStatus.ACTIVE, "umbrella.example"),
]
# Companies that get a full team (admin, manager, two members); the others get their admin only.
FULL_TEAMS = {"acme", "tech", "customdomain"}

PEOPLE = [
    # local part, first name, last name, role
    ("admin", "Alice", "Admin", Role.TENANT_ADMIN),
    ("manager", "Mark", "Manager", Role.MANAGER),
    ("member1", "Mia", "Member", Role.MEMBER),
    ("member2", "Max", "Member", Role.MEMBER),
]


def _user(*, email: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed(*, staff_groups: dict[str, Group] | None = None) -> dict[str, Tenant]:
    """Create the demo staff and tenants once; return the tenants by key.

    `staff_groups` (name -> Group) puts the staff in their control-panel groups; the groups belong to
    platform_admin, whose `seed_demo` command passes them (tenancy does not import it).
    """
    owner = None
    for email, name, is_superuser, group in STAFF:
        first, last = name.split(" ", 1)
        user = _user(email=email, first_name=first, last_name=last, is_staff=True,
                     is_superuser=is_superuser, role=Role.SUPER_ADMIN, tenant=None)
        if group and staff_groups:
            user.groups.add(staff_groups[group])
        if is_superuser:
            owner = user

    tenants = {}
    for key, name, custom_domain, status, mail_domain in TENANTS:
        tenant, created = Tenant.objects.get_or_create(
            slug=key,
            defaults={"name": name, "status": status, "contact_email": f"admin@{mail_domain}",
                      "contact_name": "Alice Admin"},
        )
        if created and status == TenantStatus.ACTIVE:
            tenant.approved_at, tenant.approved_by = timezone.now(), owner
            tenant.save(update_fields=["approved_at", "approved_by"])
        Domain.objects.get_or_create(host=f"{key}.{settings.TENANT_BASE_DOMAIN}",
                                     defaults={"tenant": tenant, "is_primary": custom_domain is None})
        if custom_domain:
            Domain.objects.get_or_create(host=custom_domain, defaults={"tenant": tenant, "is_primary": True})
        TenantSettings.objects.get_or_create(
            tenant=tenant,
            defaults={"legal_name": f"{name}", "billing_email": f"billing@{mail_domain}",
                      "billing_address": f"{name}\n42 Market Street\nSpringfield",
                      "tax_id": f"TAX-{key.upper()}-001"},
        )
        people = PEOPLE if key in FULL_TEAMS else PEOPLE[:1]
        for local, first, last, role in people:
            _user(email=f"{local}@{mail_domain}", first_name=first, last_name=last, tenant=tenant, role=role)
        tenants[key] = tenant
    return tenants
