"""Plans, subscriptions, payments and invoices: the money of the platform.

Every tenant-owned table has a non-null `tenant` and its composite indexes start with it. State
changes live in `billing.services`; the models only declare the allowed transitions.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tenancy.crypto import EncryptedTextField
from tenancy.models import Tenant, TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class BillingPeriod(models.TextChoices):
    MONTHLY = "MONTHLY", "Monthly"
    YEARLY = "YEARLY", "Yearly"


class PlanManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Plan(TimeStampedModel):
    code = models.SlugField(max_length=40, unique=True, verbose_name="code")
    name = models.CharField(max_length=100, verbose_name="name")
    description = models.TextField(blank=True, verbose_name="description")
    price = models.DecimalField(**MONEY, verbose_name="price")
    currency = models.CharField(max_length=3, default="USD", verbose_name="currency")
    period = models.CharField(max_length=8, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY,
                              verbose_name="billing period")
    trial_days = models.PositiveSmallIntegerField(default=0, verbose_name="trial days")
    # Empty = unlimited.
    max_users = models.PositiveIntegerField(null=True, blank=True, verbose_name="user limit")
    max_teams = models.PositiveIntegerField(null=True, blank=True, verbose_name="team limit")
    max_tasks = models.PositiveIntegerField(null=True, blank=True, verbose_name="task limit")
    max_storage_mb = models.PositiveIntegerField(null=True, blank=True, verbose_name="storage limit (MB)")
    is_active = models.BooleanField(default=True, verbose_name="active")
    is_public = models.BooleanField(default=True, verbose_name="public")
    order = models.PositiveSmallIntegerField(default=0, verbose_name="display order")

    # The plan catalogue ships as fixtures/plans.json, keyed by code (no primary keys in the file).
    objects = PlanManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "price", "id"]
        indexes = [models.Index(fields=["is_active", "is_public", "order"], name="plan_active_public_idx")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    @property
    def is_free(self) -> bool:
        return self.price == ZERO

    def limits(self) -> dict:
        return {
            "users": self.max_users,
            "teams": self.max_teams,
            "tasks": self.max_tasks,
            "storage_mb": self.max_storage_mb,
        }


class SubscriptionStatus(models.TextChoices):
    TRIAL = "TRIAL", "Trial"
    PENDING_PAYMENT = "PENDING_PAYMENT", "Pending payment"
    PENDING_VERIFICATION = "PENDING_VERIFICATION", "Pending verification"
    ACTIVE = "ACTIVE", "Active"
    PAST_DUE = "PAST_DUE", "Past due"
    EXPIRED = "EXPIRED", "Expired"
    CANCELLED = "CANCELLED", "Cancelled"


S = SubscriptionStatus

# A tenant has at most one subscription in one of these statuses (enforced under the tenant's row lock).
CURRENT_SUBSCRIPTION_STATUSES = (S.TRIAL, S.PENDING_PAYMENT, S.PENDING_VERIFICATION, S.ACTIVE, S.PAST_DUE)


class Subscription(TimeStampedModel):
    # Allowed status transitions; services refuse every other one.
    TRANSITIONS = {
        S.TRIAL: {S.PENDING_VERIFICATION, S.ACTIVE, S.PAST_DUE, S.CANCELLED},
        # A first invoice unpaid on its due date + GRACE_DAYS ends the subscription (EXPIRED).
        S.PENDING_PAYMENT: {S.PENDING_VERIFICATION, S.ACTIVE, S.EXPIRED, S.CANCELLED},
        # Verification activates; a rejection goes back to the status recorded on the payment.
        S.PENDING_VERIFICATION: {S.ACTIVE, S.TRIAL, S.PENDING_PAYMENT, S.PAST_DUE, S.EXPIRED},
        S.ACTIVE: {S.PENDING_VERIFICATION, S.ACTIVE, S.PAST_DUE, S.CANCELLED},
        S.PAST_DUE: {S.PENDING_VERIFICATION, S.ACTIVE, S.EXPIRED, S.CANCELLED},
        S.EXPIRED: {S.PENDING_VERIFICATION, S.ACTIVE},
        S.CANCELLED: set(),
    }

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="subscriptions", verbose_name="company")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name="plan")
    # A plan change takes effect at the next period: the renewal invoice bills this plan.
    next_plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="next plan")
    status = models.CharField(max_length=24, choices=SubscriptionStatus.choices, verbose_name="status")
    # The terms it was sold at (the plan's at subscription, then those of each paid invoice): a plan's price
    # change reaches a running subscription only at a renewal, and only where staff choose so.
    price = models.DecimalField(**MONEY, default=ZERO, verbose_name="price")
    currency = models.CharField(max_length=3, default="USD", verbose_name="currency")
    period = models.CharField(max_length=8, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY,
                              verbose_name="billing period")
    reprice_at_renewal = models.BooleanField(
        default=False, help_text="Bill the plan's current price from the next renewal (chosen by staff).",
        verbose_name="plan price from renewal")
    started_on = models.DateField(default=timezone.localdate, verbose_name="started")
    # The period is [start, end): `current_period_end` is the first day not paid for.
    current_period_start = models.DateField(null=True, blank=True, verbose_name="period start")
    current_period_end = models.DateField(null=True, blank=True, verbose_name="period end")
    trial_ends_on = models.DateField(null=True, blank=True, verbose_name="trial ends")
    past_due_since = models.DateField(null=True, blank=True, verbose_name="past due since")
    expired_on = models.DateField(null=True, blank=True, verbose_name="expired")
    ended_on = models.DateField(null=True, blank=True, verbose_name="ended")
    auto_renew = models.BooleanField(default=True, verbose_name="renews automatically")
    cancel_at_period_end = models.BooleanField(default=False, verbose_name="cancels at period end")
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name="cancelled")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="cancelled by"
    )
    trial_ending_notified_on = models.DateField(null=True, blank=True, verbose_name="trial-ending reminder sent")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="created by"
    )

    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "status"], name="sub_tenant_status_idx"),
            models.Index(fields=["tenant", "status", "current_period_end"], name="sub_tenant_status_end_idx"),
        ]

    def __str__(self):
        return f"{self.tenant} - {self.plan} ({self.get_status_display().lower()})"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_SUBSCRIPTION_STATUSES


class InvoiceStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    ISSUED = "ISSUED", "Issued"
    PAID = "PAID", "Paid"
    VOID = "VOID", "Void"


class InvoiceKind(models.TextChoices):
    FIRST = "FIRST", "First invoice"
    RENEWAL = "RENEWAL", "Renewal"
    MANUAL = "MANUAL", "Manual"
    # Negative amounts, numbered CN-YYYY-NNNNNN, correcting `credited_invoice` (issued when a paid invoice is voided).
    CREDIT_NOTE = "CREDIT", "Credit note"


class InvoiceSeries(models.TextChoices):
    INVOICE = "INV", "Invoices"
    CREDIT_NOTE = "CN", "Credit notes"


class Invoice(TimeStampedModel):
    TRANSITIONS = {
        InvoiceStatus.DRAFT: {InvoiceStatus.ISSUED, InvoiceStatus.VOID},
        InvoiceStatus.ISSUED: {InvoiceStatus.PAID, InvoiceStatus.VOID},
        # Only by a credit note (invoice_void issues one): the paid document stays, the credit note reverses it.
        InvoiceStatus.PAID: {InvoiceStatus.VOID},
        InvoiceStatus.VOID: set(),
    }

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invoices", verbose_name="company")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices",
        verbose_name="subscription"
    )
    # The plan this invoice pays for; paying it puts the subscription on this plan.
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="plan")
    kind = models.CharField(max_length=8, choices=InvoiceKind.choices, default=InvoiceKind.MANUAL, verbose_name="kind")
    # A subscription invoice's billing interval: paying it puts the subscription on these terms.
    billing_period = models.CharField(max_length=8, choices=BillingPeriod.choices, blank=True,
                                      verbose_name="billing period")
    # Taken from the year's counter at issue time; empty while DRAFT.
    number = models.CharField(max_length=20, null=True, blank=True, verbose_name="number")
    status = models.CharField(max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT,
                              verbose_name="status")
    issued_on = models.DateField(null=True, blank=True, verbose_name="issued")
    due_on = models.DateField(null=True, blank=True, verbose_name="due")
    period_start = models.DateField(null=True, blank=True, verbose_name="period start")
    period_end = models.DateField(null=True, blank=True, verbose_name="period end")
    currency = models.CharField(max_length=3, verbose_name="currency")
    subtotal = models.DecimalField(**MONEY, default=ZERO, verbose_name="subtotal")
    # Percent, e.g. 19.00.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO, verbose_name="tax rate (%)")
    tax = models.DecimalField(**MONEY, default=ZERO, verbose_name="tax")
    total = models.DecimalField(**MONEY, default=ZERO, verbose_name="total")
    # Snapshots taken at issue time, so later changes of the tenant or issuer do not alter it.
    bill_to_name = models.CharField(max_length=200, blank=True, verbose_name="bill-to name")
    bill_to_address = models.TextField(blank=True, verbose_name="bill-to address")
    bill_to_tax_id = EncryptedTextField(max_length=64, blank=True, verbose_name="bill-to tax ID")
    bill_to_email = models.EmailField(blank=True, verbose_name="bill-to e-mail")
    issuer_name = models.CharField(max_length=200, blank=True, verbose_name="issuer name")
    issuer_address = models.TextField(blank=True, verbose_name="issuer address")
    issuer_tax_id = models.CharField(max_length=64, blank=True, verbose_name="issuer tax ID")
    issuer_email = models.EmailField(blank=True, verbose_name="issuer e-mail")
    # The rest of the issuer's settings at issue time: payment instructions, footer, zero-tax note, logo.
    issuer_details = models.JSONField(default=dict, blank=True, verbose_name="issuer details")
    credited_invoice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credit_notes", verbose_name="credited invoice")
    notes = models.TextField(blank=True, verbose_name="notes")
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name="paid")
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name="voided")
    void_reason = models.TextField(blank=True, verbose_name="void reason")
    due_soon_notified_on = models.DateField(null=True, blank=True, verbose_name="due-soon reminder sent")
    overdue_notified_on = models.DateField(null=True, blank=True, verbose_name="overdue reminder sent")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="created by"
    )

    history = HistoricalRecords()

    class Meta:
        # Numbers are globally unique through the locked counter; the constraint starts with tenant
        # so that the schema can be sharded by tenant.
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="invoice_tenant_number_uniq")]
        indexes = [
            models.Index(fields=["tenant", "status", "due_on"], name="invoice_tenant_status_due_idx"),
            models.Index(fields=["tenant", "subscription", "period_start"], name="invoice_tenant_sub_period_idx"),
            models.Index(fields=["tenant", "created_at"], name="invoice_tenant_created_idx"),
            # Staff lists span every company: the change list's order and the dashboard's overdue count.
            models.Index(fields=["created_at"], name="invoice_created_idx"),
            models.Index(fields=["status", "due_on"], name="invoice_status_due_idx"),
            # The dashboard's revenue sums (one currency, a paid_at range): the range and the summed
            # columns are all in the index, so the sums read it alone (platform_admin/tests/test_dashboard_plans.py).
            models.Index(fields=["currency", "paid_at", "status", "total"], name="invoice_revenue_idx"),
        ]

    def __str__(self):
        return self.number or f"Draft invoice #{self.pk}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_open(self) -> bool:
        return self.status == InvoiceStatus.ISSUED

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class RevenueMonth(models.Model):
    """Money in per currency and calendar month (in settings.TIME_ZONE), maintained as invoices are paid.

    An invoice counts when it has `paid_at` and is PAID or VOID (voided after payment: its credit note, a
    paid negative invoice, takes the money out again in its own month). `services.revenue.revenue_record`
    adds each one in the transaction that pays it; `manage.py revenue_rebuild` recomputes every row from
    the invoices. The dashboard reads these rows instead of summing the invoices.
    """

    currency = models.CharField(max_length=3, verbose_name="currency")
    # The first day of the month.
    month = models.DateField(verbose_name="month")
    total = models.DecimalField(**MONEY, default=ZERO, verbose_name="total")
    invoice_count = models.PositiveIntegerField(default=0, verbose_name="invoices")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["currency", "month"], name="revenuemonth_currency_month_uniq")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.currency}: {self.total}"


class InvoiceLine(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", verbose_name="company")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name="invoice")
    position = models.PositiveSmallIntegerField(default=0, verbose_name="line")
    description = models.CharField(max_length=300, verbose_name="description")
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1.00"), verbose_name="quantity")
    unit_price = models.DecimalField(**MONEY, verbose_name="unit price")
    # quantity x unit_price rounded half-up to cents.
    amount = models.DecimalField(**MONEY, verbose_name="amount")

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "invoice", "position"], name="invline_tenant_invoice_idx")]

    def __str__(self):
        return self.description


class InvoiceSequence(models.Model):
    """A series' per-year counter; its row is locked (SELECT ... FOR UPDATE) to take a number."""

    series = models.CharField(max_length=4, choices=InvoiceSeries.choices, default=InvoiceSeries.INVOICE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="invoiceseq_series_year_uniq")]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last_number}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "BANK_TRANSFER", "Bank transfer"
    CARD = "CARD", "Card"
    CASH = "CASH", "Cash"
    OTHER = "OTHER", "Other"


class PaymentStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    REFUNDED = "REFUNDED", "Refunded"


class VerificationStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    VERIFIED = "VERIFIED", "Verified"
    REJECTED = "REJECTED", "Rejected"


class Payment(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payments", verbose_name="company")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name="invoice")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="payments",
        verbose_name="subscription"
    )
    amount = models.DecimalField(**MONEY, verbose_name="amount")
    currency = models.CharField(max_length=3, verbose_name="currency")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, verbose_name="method")
    reference = models.CharField(max_length=100, blank=True, verbose_name="reference")
    paid_on = models.DateField(verbose_name="paid on")
    proof = models.FileField(upload_to="payment-proofs/", max_length=200, verbose_name="proof file")
    proof_content_type = models.CharField(max_length=100, verbose_name="proof file type")
    proof_original_name = models.CharField(max_length=200, blank=True, verbose_name="proof file name")
    # SHA-256 of the proof file; the same file sent before (by any company) is flagged for staff.
    proof_sha256 = models.CharField(max_length=64, blank=True, verbose_name="proof SHA-256")
    proof_duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name="same proof as")
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING,
                              verbose_name="payment status")
    verification_status = models.CharField(
        max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING,
        verbose_name="verification status"
    )
    # What a rejection restores the subscription to.
    previous_subscription_status = models.CharField(max_length=24, choices=SubscriptionStatus.choices, blank=True,
                                                    verbose_name="subscription status before")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="submitted by"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="verified by"
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name="verified")
    rejection_reason = models.TextField(blank=True, verbose_name="rejection reason")

    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "verification_status", "created_at"], name="payment_tenant_verif_idx"),
            models.Index(fields=["tenant", "invoice"], name="payment_tenant_invoice_idx"),
            models.Index(fields=["tenant", "created_at"], name="payment_tenant_created_idx"),
            # Staff lists span every company: the verification queue (and its count on every admin page)
            # in the change list's order, and "all" payments in that order.
            models.Index(fields=["verification_status", "created_at"], name="payment_verif_created_idx"),
            models.Index(fields=["created_at"], name="payment_created_idx"),
            # Deliberately not tenant-first: a reused proof is looked up across all companies.
            models.Index(fields=["proof_sha256", "created_at"], name="payment_proof_sha_idx"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} for {self.invoice}"

    @property
    def is_awaiting_verification(self) -> bool:
        return self.verification_status == VerificationStatus.PENDING


class InvoiceDocumentPurpose(models.TextChoices):
    ISSUED = "ISSUED", "As issued"
    PAID = "PAID", "Paid"
    VOID = "VOID", "Voided or credited"


class InvoiceDocument(models.Model):
    """An invoice's PDF as it was rendered once, at issue (and once more when paid or voided): never rewritten."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="documents")
    purpose = models.CharField(max_length=8, choices=InvoiceDocumentPurpose.choices)
    file = models.FileField(upload_to="invoices/", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "invoice", "purpose"],
                                               name="invoicedoc_tenant_invoice_purpose_uniq")]
        indexes = [models.Index(fields=["tenant", "invoice", "created_at"], name="invoicedoc_tenant_invoice_idx")]

    def __str__(self):
        return f"{self.invoice} ({self.get_purpose_display().lower()})"


class BankLineStatus(models.TextChoices):
    MATCHED = "MATCHED", "Matched"
    AMOUNT_MISMATCH = "MISMATCH", "Amount mismatch"
    UNKNOWN_REFERENCE = "UNKNOWN", "Unknown reference"
    DUPLICATE = "DUPLICATE", "Duplicate line"
    OUTGOING = "OUTGOING", "Outgoing (not a payment to us)"
    CONFIRMED = "CONFIRMED", "Confirmed"


class BankStatementImport(models.Model):
    """One uploaded bank-statement CSV (all companies: a statement is the platform's own account)."""

    file_name = models.CharField(max_length=200, verbose_name="file name")
    file_sha256 = models.CharField(max_length=64, verbose_name="file SHA-256")
    # {"date": column, "amount": ..., "currency": ..., "reference": ..., "counterparty": ...} and parsing options.
    mapping = models.JSONField(default=dict, verbose_name="column mapping")
    line_count = models.PositiveIntegerField(default=0, verbose_name="lines")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="imported by")
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name="imported")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


class BankStatementLine(models.Model):
    statement = models.ForeignKey(BankStatementImport, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name="statement")
    position = models.PositiveIntegerField(verbose_name="line")
    booked_on = models.DateField(verbose_name="booked on")
    amount = models.DecimalField(**MONEY, verbose_name="amount")
    currency = models.CharField(max_length=3, verbose_name="currency")
    reference = models.CharField(max_length=500, blank=True, verbose_name="reference")
    counterparty = models.CharField(max_length=200, blank=True, verbose_name="counterparty")
    # SHA-256 of the normalised fields: the same line imported again (or twice in a file) is a duplicate.
    line_hash = models.CharField(max_length=64, verbose_name="line hash")
    status = models.CharField(max_length=10, choices=BankLineStatus.choices, verbose_name="match")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="invoice")
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name="company")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="payment")
    note = models.CharField(max_length=200, blank=True, verbose_name="note")

    class Meta:
        ordering = ["statement", "position"]
        indexes = [
            models.Index(fields=["line_hash"], name="bankline_hash_idx"),
            models.Index(fields=["statement", "status", "position"], name="bankline_statement_status_idx"),
        ]

    def __str__(self):
        return f"Line {self.position}: {self.amount} {self.currency} {self.reference[:40]}"
