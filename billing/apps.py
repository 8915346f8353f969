from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing.services.limits import plan_limits_for_tenant
        from tenancy import limits

        limits.register_policy(plan_limits_for_tenant)
