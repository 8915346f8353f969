from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Companies and users"

    def ready(self):
        from tenancy import limits, signals  # noqa: F401  (signals: cache invalidation)
        from tenancy.api import schema  # noqa: F401  (OpenAPI auth extension)
        from tenancy.exports import export_company, register_export
        from tenancy.models import User

        register_export(export_company)

        limits.register_usage("users", lambda tenant: User.objects.filter(tenant=tenant, is_active=True).count())
