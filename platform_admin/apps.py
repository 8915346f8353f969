from django.apps import AppConfig


class PlatformAdminConfig(AppConfig):
    name = "platform_admin"
    verbose_name = "Platform"

    def ready(self):
        from billing import conf
        from platform_admin.selectors import system_setting_get

        # Staff's stored values (issuer, renewal lead, grace) take effect in billing.
        conf.register_provider(system_setting_get)
