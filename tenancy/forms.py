from django.contrib.auth.forms import PasswordResetForm


class TenantPasswordResetForm(PasswordResetForm):
    """Send reset links only to users of the company whose host the request came to."""

    def save(self, *args, request=None, **kwargs):
        self._tenant = getattr(request, "tenant", None)
        return super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        tenant = getattr(self, "_tenant", None)
        return (user for user in super().get_users(email) if tenant is None or user.tenant_id == tenant.id)
