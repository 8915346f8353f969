"""Two-factor sign-in for staff (TOTP, django-otp): optional for everybody, required for the Finance group when
STAFF_2FA_REQUIRED is on."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.forms import AuthenticationForm
from unfold.widgets import UnfoldAdminTextInputWidget

from platform_admin.services import group_requires_second_factor, staff_two_factor_disable, staff_two_factor_enable
from tenancy.exceptions import ServiceError
from tenancy.models import User

DEVICE_NAME = "Authenticator app"


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def requires_second_factor(user: User) -> bool:
    """Whether this staff member may not use the panel without a verified second factor."""
    if not settings.STAFF_2FA_REQUIRED or not user.is_authenticated:
        return False
    return group_requires_second_factor(user) or has_second_factor(user)


def is_missing_second_factor(request: HttpRequest) -> bool:
    """Signed in with a password only, where a code is needed (enrolled, or required for the group)."""
    user = request.user
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
        return False
    return has_second_factor(user) or requires_second_factor(user)


class StaffLoginForm(AuthenticationForm):
    """The control panel's login: e-mail, password and, for staff who turned two-factor on, the app's code."""

    otp_token = forms.CharField(label="Authenticator code", required=False, max_length=8,
                                widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "one-time-code",
                                                                         "inputmode": "numeric"}),
                                help_text="Only if you turned on two-factor sign-in.")

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None and has_second_factor(user):
            device = match_token(user, (cleaned_data.get("otp_token") or "").strip())
            if device is None:
                raise ValidationError("Type the current code of your authenticator app.", code="otp_invalid")
            user.otp_device = device  # django-otp marks the session verified on login
        return cleaned_data


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(label="Code from the app", max_length=8,
                            widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "one-time-code",
                                                                     "inputmode": "numeric"}))


def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on (scan the key into an authenticator app, type a code) or off (type a code)."""
    from django.contrib import admin

    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff and user.tenant_id is None):
        return HttpResponseRedirect(reverse("admin:login") + f"?next={request.path}")
    enrolled = has_second_factor(user)
    device = None
    form = ConfirmDeviceForm(request.POST or None)
    if not enrolled:
        with transaction.atomic():
            device = (TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
                      or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False))
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if enrolled:
                staff_two_factor_disable(user=user, token=token)
            else:
                device = staff_two_factor_enable(user=user, token=token)
        except ServiceError as error:
            form.add_error("token", error.detail)
        else:
            if enrolled:
                messages.success(request, "Two-factor sign-in is off: you sign in with your password only.")
                return HttpResponseRedirect(reverse("admin:two_factor"))
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on: from now on you also type the app's code.")
            return HttpResponseRedirect(reverse("admin:index"))
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor sign-in",
        "enrolled": enrolled,
        "required": requires_second_factor(user),
        "may_turn_off": enrolled and not group_requires_second_factor(user),
        "device": device,
        "secret": device and _base32(device.bin_key),
        "form": form,
    }
    return TemplateResponse(request, "platform_admin/two_factor.html", context)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")
