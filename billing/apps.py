from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing.exports import export_billing
        from billing.services.limits import plan_limits_for_tenant
        from tenancy import limits
        from tenancy.exports import register_export

        limits.register_policy(plan_limits_for_tenant)
        register_export(export_billing)
