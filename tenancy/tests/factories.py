from datetime import timedelta

import factory
from django.conf import settings
from django.utils import timezone

from tenancy.models import Domain, Role, Tenant, TenantInvitation, TenantSettings, TenantStatus, User

TEST_PASSWORD = "correct-horse-battery-staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company{n}")
    status = TenantStatus.ACTIVE
    contact_email = factory.LazyAttribute(lambda t: f"contact@{t.slug}.example")

    @factory.post_generation
    def with_domain(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            Domain.objects.create(tenant=obj, host=f"{obj.slug}.{settings.TENANT_BASE_DOMAIN}", is_primary=True)
            TenantSettings.objects.create(tenant=obj, legal_name=obj.name, billing_email=obj.contact_email)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    tenant = factory.SubFactory(TenantFactory)
    role = Role.MEMBER
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(UserFactory):
    tenant = None
    role = Role.SUPER_ADMIN
    is_staff = True
    is_superuser = True


class TenantInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantInvitation

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    invited_by = factory.LazyAttribute(lambda i: UserFactory(tenant=i.tenant, role=Role.TENANT_ADMIN))
