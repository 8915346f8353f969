from django.apps import AppConfig


class PlatformAdminConfig(AppConfig):
    name = "platform_admin"
    verbose_name = "Platform"

    def ready(self):
        from billing import conf
        from platform_admin.selectors import system_setting_get

        # Staff's stored values (issuer, renewal lead, grace) take effect in billing.
        conf.register_provider(system_setting_get)

        # Authenticator devices change only through the audited services (the staff member's own two-factor
        # page, an owner's "Reset two-factor sign-in" on the user): django-otp's admin would delete unaudited.
        from django.contrib import admin
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
