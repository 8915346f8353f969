from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tenancy.crypto import EncryptedTextField, blind_index
from tenancy.verbs import SYSTEM_ACTOR_LABEL, AuditChannel, AuditVerb


class TenantStatus(models.TextChoices):
    PENDING = "PENDING", "Pending approval"
    ACTIVE = "ACTIVE", "Active"
    SUSPENDED = "SUSPENDED", "Suspended"
    REJECTED = "REJECTED", "Rejected"


class Role(models.TextChoices):
    SUPER_ADMIN = "SUPER_ADMIN", "Super admin"
    TENANT_ADMIN = "TENANT_ADMIN", "Company admin"
    MANAGER = "MANAGER", "Manager"
    MEMBER = "MEMBER", "Member"


# Roles a tenant user may hold; SUPER_ADMIN belongs to platform staff only.
TENANT_ROLES = (Role.TENANT_ADMIN, Role.MANAGER, Role.MEMBER)
TENANT_ROLE_CHOICES = [(r.value, r.label) for r in TENANT_ROLES]
# The largest value a BigAutoField id can take: a larger "id" cannot name a row.
MAX_ID = 2**63 - 1

ROLE_RANK = {Role.MEMBER: 1, Role.MANAGER: 2, Role.TENANT_ADMIN: 3, Role.SUPER_ADMIN: 4}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name="created")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="last changed")

    class Meta:
        abstract = True


class Tenant(TimeStampedModel):
    # Allowed status transitions; services refuse every other one.
    TRANSITIONS = {
        TenantStatus.PENDING: {TenantStatus.ACTIVE, TenantStatus.REJECTED},
        TenantStatus.REJECTED: {TenantStatus.ACTIVE},
        TenantStatus.ACTIVE: {TenantStatus.SUSPENDED},
        TenantStatus.SUSPENDED: {TenantStatus.ACTIVE},
    }

    name = models.CharField(max_length=200, verbose_name="name")
    slug = models.SlugField(max_length=63, unique=True, verbose_name="subdomain")
    status = models.CharField(max_length=16, choices=TenantStatus.choices, default=TenantStatus.PENDING,
                              verbose_name="status")
    contact_name = models.CharField(max_length=200, blank=True, verbose_name="contact name")
    contact_email = models.EmailField(verbose_name="contact e-mail")
    contact_phone = EncryptedTextField(max_length=40, blank=True, verbose_name="contact phone")
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name="approved")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="approved by"
    )
    rejected_at = models.DateTimeField(null=True, blank=True, verbose_name="rejected")
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="rejected by"
    )
    rejection_reason = models.TextField(blank=True, verbose_name="rejection reason")
    suspended_at = models.DateTimeField(null=True, blank=True, verbose_name="suspended")
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="suspended by"
    )
    suspension_reason = models.TextField(blank=True, verbose_name="suspension reason")
    # True when the billing cycle suspended the tenant, so a verified payment may lift it.
    is_suspended_for_nonpayment = models.BooleanField(default=False, verbose_name="suspended for non-payment")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "company"
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["status", "created_at"], name="tenant_status_created_idx")]

    def __str__(self):
        return self.name

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    @property
    def primary_domain(self):
        return next((d for d in self.domains.all() if d.is_primary), None)


class DomainStatus(models.TextChoices):
    PENDING = "PENDING", "Pending verification"
    ACTIVE = "ACTIVE", "Active"
    FAILED = "FAILED", "Verification failed"


class Domain(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains", verbose_name="company")
    # The host alone identifies a tenant, so it is unique across the platform.
    host = models.CharField(max_length=253, unique=True, verbose_name="host name")
    is_primary = models.BooleanField(default=False, verbose_name="primary")
    # Only ACTIVE hosts resolve to the tenant. A company's own domain starts PENDING until its DNS TXT
    # record is seen (tenancy.services.domains); subdomains and staff-added domains are ACTIVE.
    status = models.CharField(max_length=16, choices=DomainStatus.choices, default=DomainStatus.ACTIVE,
                              verbose_name="status")
    verification_token = models.CharField(max_length=64, blank=True, editable=False, verbose_name="verification token")
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name="verified")
    last_checked_at = models.DateTimeField(null=True, blank=True, verbose_name="last checked")
    last_error_code = models.CharField(max_length=40, blank=True, verbose_name="last check's error")

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["tenant", "is_primary"], name="domain_tenant_primary_idx")]

    def __str__(self):
        return self.host

    def save(self, *args, **kwargs):
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)


class TenantSettings(TimeStampedModel):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="settings", verbose_name="company")
    timezone = models.CharField(max_length=64, default="UTC", verbose_name="time zone")
    locale = models.CharField(max_length=16, default="en-us", verbose_name="language")
    brand_color = models.CharField(max_length=7, default="#4f46e5", verbose_name="brand colour")
    logo_url = models.URLField(blank=True, verbose_name="logo URL")
    legal_name = models.CharField(max_length=200, blank=True, verbose_name="legal name")
    billing_email = models.EmailField(blank=True, verbose_name="billing e-mail")
    billing_address = models.TextField(blank=True, verbose_name="billing address")
    tax_id = EncryptedTextField(max_length=64, blank=True, verbose_name="tax ID")
    # HMAC of the normalized tax id: staff find a company by its tax id without decrypting every row.
    tax_id_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "company settings"

    def __str__(self):
        return f"Settings of {self.tenant}"

    def save(self, *args, **kwargs):
        # A derived column kept in step with its source, like Domain.host's normalization.
        self.tax_id_index = blind_index(self.tax_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "tax_id" in update_fields:
            kwargs["update_fields"] = {*update_fields, "tax_id_index"}
        super().save(*args, **kwargs)


class EmailUserManager(UserManager):
    def build_user(self, email, password, **extra_fields):
        """An unsaved user with its e-mail normalised and its password hashed (services set the history
        reason before saving it)."""
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        return user

    def _create_user(self, email, password, **extra_fields):
        user = self.build_user(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True, role=Role.SUPER_ADMIN, tenant=None)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("e-mail address", unique=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="users", verbose_name="company"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER, verbose_name="role")
    # When the user's tokens were last revoked (password change, reset, deactivation, role change, logout
    # everywhere); informational: revocation itself compares `token_version` with the tokens' `ver` claim.
    tokens_valid_after = models.DateTimeField(null=True, blank=True)
    # Every token carries the version it was issued under; revoking increments it, refusing all earlier ones.
    token_version = models.PositiveIntegerField(default=0)

    objects = EmailUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login", "token_version"])

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        indexes = [models.Index(fields=["tenant", "role", "is_active"], name="user_tenant_role_idx")]

    def __str__(self):
        return self.email

    @property
    def is_super_admin(self) -> bool:
        return self.is_staff and self.tenant_id is None

    def has_role(self, minimum: str) -> bool:
        """Return True when the user's role ranks at least as high as `minimum`."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[minimum]


class RevokedAccessToken(models.Model):
    """An access token refused before it expires (logout); the durable copy of the cache's denylist."""

    jti = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.jti


class TenantInvitation(TimeStampedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations", verbose_name="company")
    email = models.EmailField(verbose_name="e-mail")
    role = models.CharField(max_length=16, choices=TENANT_ROLE_CHOICES, verbose_name="role")
    # SHA-256 of the token; the token itself is only ever in the e-mail.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(verbose_name="expires")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="invited by"
    )
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name="accepted")
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="accepted by"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name="revoked")

    class Meta:
        verbose_name = "company invitation"
        indexes = [models.Index(fields=["tenant", "email"], name="tinvite_tenant_email_idx")]

    def __str__(self):
        return f"{self.email} ({self.get_role_display().lower()}) to {self.tenant}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class AuditVerbField(models.CharField):
    """A verb of `AuditVerb`; its choices stay out of migrations, so adding a verb needs none."""

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = AuditVerb.choices
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs


class ActivityLog(models.Model):
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="activity", verbose_name="company"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="by"
    )
    # actor's e-mail when it acted, or audit.SYSTEM_ACTOR: the row stays readable after the user goes
    actor_label = models.CharField(max_length=254, blank=True, verbose_name="by (as recorded)")
    verb = AuditVerbField(max_length=100, verbose_name="action")
    object_type = models.CharField(max_length=100, blank=True, verbose_name="object type")
    object_id = models.CharField(max_length=64, blank=True, verbose_name="object ID")
    object_repr = models.CharField(max_length=200, blank=True, verbose_name="object")
    changes = models.JSONField(default=dict, blank=True, verbose_name="changes")
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name="IP address")
    user_agent = models.CharField(max_length=300, blank=True, verbose_name="browser")
    channel = models.CharField(max_length=10, choices=AuditChannel.choices, default=AuditChannel.JOB,
                               verbose_name="channel")
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name="when")

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="activity_tenant_created_idx"),
            models.Index(fields=["tenant", "verb", "created_at"], name="activity_tenant_verb_idx"),
            # The control panel reads every company's log newest first, or one actor's.
            models.Index(fields=["created_at"], name="activity_created_idx"),
            models.Index(fields=["actor", "created_at"], name="activity_actor_created_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor_display} {self.get_verb_display()} {self.object_repr}".strip()

    @property
    def actor_display(self) -> str:
        if self.actor_id is None and self.actor_label in ("", "system"):
            return SYSTEM_ACTOR_LABEL
        return self.actor_label or str(self.actor)


class ExportStatus(models.TextChoices):
    PENDING = "PENDING", "Queued"
    RUNNING = "RUNNING", "Being built"
    READY = "READY", "Ready to download"
    FAILED = "FAILED", "Failed"


class TenantExport(TimeStampedModel):
    """A company's "take your data with you" archive, built by a job; downloadable until it expires."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    # Under a random name in the private storage; served only by the checked download view.
    file = models.FileField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "company export"
        indexes = [models.Index(fields=["tenant", "created_at"], name="export_tenant_created_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Export {self.pk} of {self.tenant}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class NotificationType(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", "Task assigned to you"
    TASK_COMMENTED = "task_commented", "Comment on your task"
    MENTIONED = "mentioned", "You were mentioned"
    EXPORT_READY = "export_ready", "Data export ready"
    TEAM_INVITATION = "team_invitation", "Team invitation"
    PAYMENT_VERIFIED = "payment_verified", "Payment verified"
    PAYMENT_REJECTED = "payment_rejected", "Payment rejected"
    INVOICE_ISSUED = "invoice_issued", "Invoice issued"
    INVOICE_DUE_SOON = "invoice_due_soon", "Invoice due soon"
    INVOICE_OVERDUE = "invoice_overdue", "Invoice overdue"
    TRIAL_ENDING = "trial_ending", "Trial ending"
    SUBSCRIPTION_EXPIRED = "subscription_expired", "Subscription expired"
    TENANT_APPROVED = "tenant_approved", "Company approved"
    TENANT_REJECTED = "tenant_rejected", "Company rejected"
    TENANT_SUSPENDED = "tenant_suspended", "Company suspended"
    TENANT_REACTIVATED = "tenant_reactivated", "Company reactivated"


class Notification(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notifications", verbose_name="company")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="recipient"
    )
    type = models.CharField(max_length=40, choices=NotificationType.choices, verbose_name="type")
    title = models.CharField(max_length=200, verbose_name="title")
    body = models.TextField(blank=True, verbose_name="text")
    data = models.JSONField(default=dict, blank=True, verbose_name="data")
    read_at = models.DateTimeField(null=True, blank=True, verbose_name="read")
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name="created")

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "recipient", "read_at"], name="notif_tenant_recipient_idx"),
            models.Index(fields=["tenant", "recipient", "created_at"], name="notif_tenant_created_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    type = models.CharField(max_length=40, choices=NotificationType.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "type"], name="notifpref_tenant_user_type_uniq")
        ]

    def __str__(self):
        return f"{self.user}: {self.type}"
