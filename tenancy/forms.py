from django.contrib.auth.forms import PasswordResetForm
from django.template import loader

from tenancy.links import portal_url
from tenancy.mail import email_enqueue


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form whose e-mail leaves through the outbox (never sent inside the request)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        user = context.get("user")
        email_enqueue(to=[to_email], subject=subject, body=body, tenant_id=getattr(user, "tenant_id", None))


class TenantPasswordResetForm(OutboxPasswordResetForm):
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
