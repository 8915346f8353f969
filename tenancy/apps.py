from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenants and users"

    def ready(self):
        from tenancy import signals  # noqa: F401  (cache invalidation)
