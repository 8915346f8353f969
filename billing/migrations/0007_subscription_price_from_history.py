"""Give existing subscriptions the terms they were sold at: their last paid invoice's, else their plan's."""

from django.db import migrations


def forwards(apps, schema_editor):
    Subscription = apps.get_model("billing", "Subscription")
    Invoice = apps.get_model("billing", "Invoice")
    for invoice in Invoice.objects.filter(subscription__isnull=False, plan__isnull=False).select_related("plan"):
        invoice.billing_period = invoice.plan.period
        invoice.save(update_fields=["billing_period"])
    for subscription in Subscription.objects.select_related("plan").iterator():
        paid = (Invoice.objects.filter(subscription=subscription, status="PAID")
                .order_by("-period_start", "-id").first())
        if paid is not None:
            price, currency, period = paid.subtotal, paid.currency, paid.billing_period or subscription.plan.period
        else:
            price, currency, period = subscription.plan.price, subscription.plan.currency, subscription.plan.period
        Subscription.objects.filter(pk=subscription.pk).update(price=price, currency=currency, period=period)


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_subscription_keeps_its_price")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
