"""The platform's own settings, kept in the database so that staff change them in the control panel."""

from django.core.validators import MaxValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class SystemSetting(models.Model):
    """One row: the invoice issuer and the billing cycle's day counts (blank fields fall back to settings)."""

    issuer_name = models.CharField(max_length=200, blank=True, verbose_name="issuer name")
    issuer_address = models.TextField(blank=True, verbose_name="issuer address")
    issuer_tax_id = models.CharField(max_length=64, blank=True, verbose_name="issuer tax ID")
    issuer_email = models.EmailField(blank=True, verbose_name="issuer e-mail")
    # How customers pay (printed on unpaid invoices with the invoice number as the reference to quote).
    payment_bank_name = models.CharField("bank name", max_length=200, blank=True)
    payment_account = models.CharField("IBAN / account number", max_length=64, blank=True)
    payment_bic = models.CharField("BIC / SWIFT", max_length=16, blank=True)
    payment_text = models.TextField("payment instructions", blank=True,
                                    help_text="Free text printed under the bank details.")
    invoice_logo = models.ImageField(upload_to="invoice-logos/", blank=True,
                                     help_text="PNG or JPEG, printed at the top of invoices issued from now on.",
                                     verbose_name="invoice logo")
    invoice_footer = models.TextField(blank=True, help_text="Printed at the bottom of every invoice page.",
                                      verbose_name="invoice footer")
    zero_tax_note = models.TextField(
        blank=True, help_text="Printed when an invoice's tax rate is 0, e.g. the exemption or reverse-charge "
                              "wording. Empty: the server default.", verbose_name="zero-tax note")
    renewal_lead_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(90)],
        help_text="Days before a period ends that its renewal invoice is issued. Empty: the server default.",
        verbose_name="renewal lead (days)"
    )
    grace_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(90)],
        help_text="Days a past-due subscription keeps working before it expires. Empty: the server default.",
        verbose_name="grace period (days)"
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="last changed")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "system settings"
        verbose_name_plural = "system settings"

    def __str__(self):
        return "System settings"
