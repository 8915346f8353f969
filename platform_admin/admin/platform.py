"""The platform's own settings."""

from celery.schedules import ParseException
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django_celery_beat.admin import CrontabScheduleAdmin as BeatCrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

from platform_admin.admin.base import HistoryAdmin
from platform_admin.models import SystemSetting
from tenancy.audit import change_reason


@admin.register(SystemSetting)
class SystemSettingAdmin(HistoryAdmin):
    """A single row: the list opens it directly."""

    fieldsets = [
        ("Invoice issuer", {"fields": ["issuer_name", "issuer_address", "issuer_tax_id", "issuer_email"],
                            "description": "Printed on invoices issued from now on; empty fields use the "
                                           "server's defaults."}),
        ("Payment instructions", {"fields": ["payment_bank_name", "payment_account", "payment_bic", "payment_text"],
                                  "description": "Printed on unpaid invoices with the invoice number as the "
                                                 "reference to quote."}),
        ("Invoice layout", {"fields": ["invoice_logo", "invoice_footer", "zero_tax_note"]}),
        ("Billing cycle", {"fields": ["renewal_lead_days", "grace_days"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Show the server's default in each empty field, so staff see what applies when they leave it blank."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        defaults = {f"issuer_{key}": value for key, value in settings.INVOICE_ISSUER.items()}
        defaults |= {key: settings.INVOICE_ISSUER.get(key) for key in ("payment_bank_name", "payment_bic",
                                                                       "payment_text", "zero_tax_note")}
        defaults["payment_account"] = settings.INVOICE_ISSUER.get("payment_account")
        defaults |= {"renewal_lead_days": settings.RENEWAL_LEAD_DAYS, "grace_days": settings.GRACE_DAYS}
        if field is not None and defaults.get(db_field.name) not in (None, ""):
            field.widget.attrs["placeholder"] = str(defaults[db_field.name]).replace("\n", ", ")
        return field

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SystemSetting.objects.exists()

    def save_model(self, request, obj, form, change):
        labels = [str(form.fields[name].label).lower() for name in form.changed_data if name in form.fields]
        reason = ("changed: " + ", ".join(labels) if labels else "saved unchanged") if change else "created"
        change_reason(obj, reason, actor=request.user)
        super().save_model(request, obj, form, change)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS:
            message = "The system settings were saved."  # one row, no name: not 'The system settings "…" was added'
        super().message_user(request, message, level, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, *args, **kwargs):
        context["show_save_and_add_another"] = False  # there is only ever one row
        return super().render_change_form(request, context, *args, **kwargs)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row = SystemSetting.objects.order_by("pk").first()
        if row is not None:
            return HttpResponseRedirect(self.model_url("change", row.pk))
        if self.has_add_permission(request):
            return HttpResponseRedirect(self.model_url("add"))
        return super().changelist_view(request, extra_context)


# --- the beat schedule (django-celery-beat's own admin, with one refusal made a form error) --------------------


class CrontabScheduleForm(forms.ModelForm):
    """django-celery-beat's validators let celery's ParseException escape ("-5" as a minute): make it a form error."""

    class Meta:
        model = CrontabSchedule
        fields = ["minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]

    def _post_clean(self):
        try:
            super()._post_clean()
        except ParseException as exc:
            self.add_error(None, f"Not a valid schedule: {exc}.")


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(BeatCrontabScheduleAdmin):
    form = CrontabScheduleForm

    def human_readable(self, obj):
        try:
            return obj.human_readable
        except (ParseException, ValueError):
            return "-"
