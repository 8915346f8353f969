"""Forms of the control panel's dialogs and intermediate pages."""

from django import forms
from unfold.forms import AdminOwnPasswordChangeForm, BaseDialogForm
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from billing.models import Plan
from tenancy.models import TENANT_ROLE_CHOICES, Tenant, TenantStatus


class ConfirmForm(BaseDialogForm):
    """A dialog with nothing to fill in: the POST itself is the confirmation."""


class VerifyPaymentDialogForm(BaseDialogForm):
    """Confirm a verification; a proof file seen before must be acknowledged explicitly."""

    def __init__(self, *args, object_id=None, **kwargs):
        super().__init__(*args, object_id=object_id, **kwargs)
        from billing.models import Payment

        payment = (Payment.objects.select_related("proof_duplicate_of__tenant", "proof_duplicate_of__invoice")
                   .filter(pk=object_id).first() if str(object_id or "").isdigit() else None)
        earlier = payment.proof_duplicate_of if payment else None
        if earlier is not None:
            state = earlier.get_verification_status_display().lower()
            self.fields["verify_reused_proof"] = forms.BooleanField(
                required=True, widget=UnfoldBooleanSwitchWidget,
                label=f"Warning: this proof file is identical to the proof of payment #{earlier.pk} "
                      f"({earlier.tenant.name}, invoice {earlier.invoice}, {state}). Verify anyway",
                help_text="The same receipt sent twice is a common fraud; check the bank statement first.")


class ReasonDialogForm(BaseDialogForm):
    reason = forms.CharField(max_length=2000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
                             help_text="Shown to the company's admins.")


class ReasonForm(forms.Form):
    """The reason asked by bulk actions on their intermediate page."""

    reason = forms.CharField(max_length=2000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


class ExtendDialogForm(BaseDialogForm):
    days = forms.IntegerField(min_value=1, max_value=366, widget=UnfoldAdminIntegerFieldWidget,
                              help_text="Added to the current period's end.")


class CancelDialogForm(BaseDialogForm):
    immediately = forms.BooleanField(required=False, widget=UnfoldBooleanSwitchWidget,
                                     help_text="Otherwise it ends at the end of the paid period.")


class RepriceDialogForm(BaseDialogForm):
    reprice = forms.BooleanField(required=False, initial=True, widget=UnfoldBooleanSwitchWidget,
                                 help_text="On: the next renewal bills the plan's current price. Off: the price "
                                           "it was sold at.")


class ChangePlanDialogForm(BaseDialogForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), widget=UnfoldAdminSelectWidget,
                                  help_text="Takes effect at the next period.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(is_active=True).order_by("order", "price", "id")


class RoleDialogForm(BaseDialogForm):
    role = forms.ChoiceField(choices=TENANT_ROLE_CHOICES, widget=UnfoldAdminSelectWidget)


class InvoiceCreateDialogForm(BaseDialogForm):
    """A one-line manual invoice (services, workshops) for a company."""

    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), widget=UnfoldAdminSelectWidget,
                                    label="Company")
    description = forms.CharField(max_length=300, widget=UnfoldAdminTextInputWidget)
    quantity = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2, initial=1,
                                  widget=UnfoldAdminDecimalFieldWidget)
    unit_price = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2,
                                    widget=UnfoldAdminDecimalFieldWidget)
    currency = forms.CharField(max_length=3, initial="USD", widget=UnfoldAdminTextInputWidget)
    tax_rate = forms.DecimalField(min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False,
                                  widget=UnfoldAdminDecimalFieldWidget, help_text="Percent; empty: the default.")
    due_on = forms.DateField(required=False, widget=UnfoldAdminSingleDateWidget)
    issue_now = forms.BooleanField(required=False, initial=True, widget=UnfoldBooleanSwitchWidget,
                                   help_text="Give it its number and send it; otherwise it stays a draft.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = (Tenant.objects.filter(status__in=[TenantStatus.ACTIVE,
                                                                            TenantStatus.SUSPENDED])
                                          .order_by("name"))


class SubscriptionCreateDialogForm(ChangePlanDialogForm):
    """Subscribe a company to a plan (trial once, free at once, otherwise a first invoice)."""

    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), widget=UnfoldAdminSelectWidget,
                                    label="Company")
    field_order = ["tenant", "plan"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].help_text = ""
        self.fields["tenant"].queryset = (Tenant.objects.filter(status__in=[TenantStatus.ACTIVE,
                                                                            TenantStatus.SUSPENDED])
                                          .order_by("name"))


class OwnPasswordChangeForm(AdminOwnPasswordChangeForm):
    """A staff member's own password change, saved through the service (audited, tokens revoked)."""

    def save(self, commit=True):
        from tenancy.services.auth import user_password_set

        if not commit:
            return super().save(commit=False)
        self.user = user_password_set(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user
