"""The platform's own settings, kept in the database so that staff change them in the control panel."""

from django.core.validators import MaxValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class SystemSetting(models.Model):
    """One row: the invoice issuer and the billing cycle's day counts (blank fields fall back to settings)."""

    issuer_name = models.CharField(max_length=200, blank=True)
    issuer_address = models.TextField(blank=True)
    issuer_tax_id = models.CharField(max_length=64, blank=True)
    issuer_email = models.EmailField(blank=True)
    renewal_lead_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(90)],
        help_text="Days before a period ends that its renewal invoice is issued. Empty: the server default.",
    )
    grace_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(90)],
        help_text="Days a past-due subscription keeps working before it expires. Empty: the server default.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "system settings"
        verbose_name_plural = "system settings"

    def __str__(self):
        return "System settings"
