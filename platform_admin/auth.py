"""Staff sign-in helpers: password reset by e-mail for platform staff only (company users reset in the portal)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.template import loader
from django.urls import path, reverse_lazy

from tenancy.mail import email_enqueue
from tenancy.models import User


class StaffPasswordResetForm(PasswordResetForm):
    """Mail a reset link to an active staff account with that e-mail; say the same whether or not one exists."""

    def get_users(self, email):
        return (user for user in User.objects.filter(email__iexact=email, is_active=True, is_staff=True,
                                                     tenant__isnull=True)
                if user.has_usable_password())

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_enqueue(to=[to_email], subject=subject, body=body)  # through the outbox, on commit


class StaffSetPasswordForm(SetPasswordForm):
    """Set the new password through the service: the user's tokens are revoked and the reset is audited."""

    def save(self, commit=True):
        from tenancy.services.auth import user_password_set

        if commit:
            self.user = user_password_set(user=self.user, password=self.cleaned_data["new_password1"], reset=True)
        else:
            self.user.set_password(self.cleaned_data["new_password1"])
        return self.user


urlpatterns = [
    path("password_reset/", auth_views.PasswordResetView.as_view(
        form_class=StaffPasswordResetForm, success_url=reverse_lazy("admin_password_reset_done"),
        subject_template_name="emails/staff_password_reset_subject.txt",
        email_template_name="emails/staff_password_reset.txt"), name="admin_password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="admin_password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        form_class=StaffSetPasswordForm, success_url=reverse_lazy("admin_password_reset_complete")),
        name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="admin_password_reset_complete"),
]
