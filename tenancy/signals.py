"""Cache invalidation for host resolution: the one use of signals in the project."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from tenancy import resolution
from tenancy.models import Domain, Tenant


@receiver(pre_save, sender=Domain)
def _remember_old_host(sender, instance: Domain, **kwargs):
    if instance.pk:
        instance._old_host = Domain.objects.filter(pk=instance.pk).values_list("host", flat=True).first()


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _forget_domain(sender, instance: Domain, **kwargs):
    hosts = {instance.host, getattr(instance, "_old_host", None)} - {None}
    for host in hosts:
        resolution.forget_host(host)
        # A concurrent request may have re-cached the old value before commit.
        transaction.on_commit(lambda h=host: resolution.forget_host(h))


@receiver(post_save, sender=Tenant)
@receiver(post_delete, sender=Tenant)
def _forget_tenant(sender, instance: Tenant, **kwargs):
    resolution.forget_tenant(instance.pk)
    transaction.on_commit(lambda: resolution.forget_tenant(instance.pk))
