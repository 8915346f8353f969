"""Input and output shapes of the billing endpoints. Writable fields are listed explicitly."""

from rest_framework import serializers

from billing.models import Invoice, InvoiceDocument, InvoiceLine, Payment, PaymentMethod, Plan, Subscription
from billing.services.documents import invoice_document_purpose
from tenancy.api.base import StrictFieldsMixin, TenantPrimaryKeyRelatedField
from tenancy.models import Tenant


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "code", "name", "description", "price", "currency", "period", "trial_days",
                  "max_users", "max_teams", "max_tasks", "max_storage_mb", "order"]
        read_only_fields = fields


class PlanBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "code", "name", "price", "currency", "period"]
        read_only_fields = fields


class SubscriptionSerializer(serializers.ModelSerializer):
    plan = PlanBriefSerializer(read_only=True)
    next_plan = PlanBriefSerializer(read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "tenant", "plan", "next_plan", "status", "price", "currency", "period", "reprice_at_renewal",
                  "started_on", "current_period_start",
                  "current_period_end", "trial_ends_on", "past_due_since", "expired_on", "ended_on",
                  "auto_renew", "cancel_at_period_end", "cancelled_at", "created_at"]
        read_only_fields = fields


class SubscriptionCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    # Which plans may be chosen is the service's rule (plan_unavailable); the serializer only resolves the id.
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.all())


class SubscriptionCancelSerializer(StrictFieldsMixin, serializers.Serializer):
    """Tenant admins cancel at period end; only staff may end a subscription at once."""

    immediately = serializers.BooleanField(required=False, default=False)


class SubscriptionExtendSerializer(StrictFieldsMixin, serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366)


class SubscriptionChangePlanSerializer(StrictFieldsMixin, serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.all())


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class InvoiceDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceDocument
        fields = ["purpose", "sha256", "size", "created_at"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    documents = InvoiceDocumentSerializer(many=True, read_only=True,
                                          help_text="The archived PDFs (as issued, paid, voided) with their SHA-256.")
    pdf_sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 of the PDF that `pdf/` serves now; null until it is archived (a draft has none).")

    class Meta:
        model = Invoice
        fields = ["id", "tenant", "number", "status", "kind", "subscription", "plan", "issued_on", "due_on",
                  "period_start", "period_end", "currency", "subtotal", "tax_rate", "tax", "total",
                  "bill_to_name", "bill_to_address", "bill_to_tax_id", "bill_to_email", "issuer_name",
                  "issuer_address", "issuer_tax_id", "issuer_email", "notes", "paid_at", "voided_at",
                  "void_reason", "lines", "credited_invoice", "documents", "pdf_sha256", "created_at"]
        read_only_fields = fields

    def get_pdf_sha256(self, invoice) -> str | None:
        purpose = invoice_document_purpose(invoice)
        return next((d.sha256 for d in invoice.documents.all() if d.purpose == purpose), None)


class InvoiceLineInputSerializer(StrictFieldsMixin, serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, default=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class InvoiceCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Staff: create and issue an invoice for a tenant."""

    tenant = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.all())
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    due_on = serializers.DateField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False)


class InvoiceVoidSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    proof_url = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["id", "tenant", "invoice", "invoice_number", "subscription", "amount", "currency", "method",
                  "reference", "paid_on", "status", "verification_status", "proof_url", "proof_content_type",
                  "rejection_reason", "verified_at", "created_at"]
        read_only_fields = fields

    def get_proof_url(self, payment) -> str:
        return f"/api/subscriptions/payments/{payment.pk}/proof/"


class PaymentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """multipart/form-data: the payment's details and its proof (PDF, PNG or JPEG, at most 10 MB)."""

    invoice = TenantPrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    paid_on = serializers.DateField()
    proof = serializers.FileField(allow_empty_file=True)


class PaymentDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    """`{"action": "verify"}` or `{"action": "reject", "reason": "..."}`."""

    action = serializers.ChoiceField(choices=[("verify", "verify"), ("reject", "reject")])
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class UsageSerializer(serializers.Serializer):
    resource = serializers.CharField()
    used = serializers.FloatField()
    limit = serializers.IntegerField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer(allow_null=True)
    open_invoices = InvoiceSerializer(many=True)
    usage = UsageSerializer(many=True)
    payments = PaymentSerializer(many=True)
    subscriptions = SubscriptionSerializer(many=True)
