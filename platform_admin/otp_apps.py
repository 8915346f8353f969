"""django-otp's TOTP app under a name staff read (its own module: apps.py keeps one AppConfig)."""

from django.apps import AppConfig


class TwoFactorDevicesConfig(AppConfig):
    """django-otp's TOTP devices, named for staff (the permissions list read "Otp_Totp | TOTP device")."""

    name = "django_otp.plugins.otp_totp"
    label = "otp_totp"
    verbose_name = "Two-factor sign-in"
    default_auto_field = "django.db.models.AutoField"
