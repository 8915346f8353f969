from django.contrib.auth.forms import PasswordResetForm

from tenancy.links import portal_url


class TenantPasswordResetForm(PasswordResetForm):
    """Send reset links only to users of the company whose host the request came to."""

    def save(self, *args, request=None, **kwargs):
        self._tenant = getattr(request, "tenant", None)
        return super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # The link opens the portal on the user's own company host (see tenancy.links).
        context["frontend_url"] = portal_url(context["user"].tenant)
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)

    def get_users(self, email):
        tenant = getattr(self, "_tenant", None)
        return (user for user in super().get_users(email) if tenant is None or user.tenant_id == tenant.id)
