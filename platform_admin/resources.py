"""django-import-export resources: what a CSV/XLSX export of each list contains, and the plan import."""

from import_export import fields, resources

from billing.models import Invoice, Payment, Plan, Subscription
from billing.services.plans import PLAN_EDITABLE_FIELDS, plan_create, plan_update
from tenancy.models import Tenant

EXPORT_CHUNK = 2000


class ExportResource(resources.ModelResource):
    """Export-only: rows are read in chunks, never all at once.

    Headers are the model fields' verbose names unless a field names its column (platform_admin/exports.py
    turns codes into labels and formats amounts, dates and times).
    """

    class Meta:
        chunk_size = EXPORT_CHUNK


class TenantResource(ExportResource):
    class Meta(ExportResource.Meta):
        model = Tenant
        fields = ["id", "name", "slug", "status", "contact_name", "contact_email", "contact_phone",
                  "created_at", "approved_at", "suspended_at", "suspension_reason"]
        export_order = fields


class SubscriptionResource(ExportResource):
    tenant = fields.Field(attribute="tenant__name", column_name="Company")
    plan = fields.Field(attribute="plan__name", column_name="Plan")
    next_plan = fields.Field(attribute="next_plan__name", column_name="Next plan")

    class Meta(ExportResource.Meta):
        model = Subscription
        fields = ["id", "tenant", "plan", "status", "started_on", "current_period_start", "current_period_end",
                  "trial_ends_on", "past_due_since", "next_plan", "auto_renew", "cancel_at_period_end",
                  "ended_on"]
        export_order = fields


class PaymentResource(ExportResource):
    tenant = fields.Field(attribute="tenant__name", column_name="Company")
    invoice = fields.Field(attribute="invoice__number", column_name="Invoice number")
    # Finance matches every payment to a company and an invoice, whichever columns were picked.
    always_export = ["tenant", "invoice"]

    class Meta(ExportResource.Meta):
        model = Payment
        fields = ["id", "tenant", "invoice", "amount", "currency", "method", "reference", "paid_on", "status",
                  "verification_status", "verified_at", "rejection_reason", "created_at"]
        export_order = fields


class InvoiceResource(ExportResource):
    tenant = fields.Field(attribute="tenant__name", column_name="Company")

    class Meta(ExportResource.Meta):
        model = Invoice
        fields = ["id", "number", "tenant", "status", "kind", "issued_on", "due_on", "period_start", "period_end",
                  "currency", "subtotal", "tax_rate", "tax", "total", "paid_at", "voided_at", "bill_to_name",
                  "bill_to_tax_id"]
        export_order = fields


class PlanResource(resources.ModelResource):
    """Plans by their code; an import creates and changes plans through the billing services."""

    class Meta:
        model = Plan
        import_id_fields = ["code"]
        fields = ["code", *PLAN_EDITABLE_FIELDS]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def __init__(self, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name) for name in PLAN_EDITABLE_FIELDS}
        actor = self.actor
        if is_create:
            saved = plan_create(actor=actor, code=instance.code, **values)
        else:
            saved = plan_update(actor=actor, plan=instance, **values)
        instance.pk = saved.pk
