"""Serializers of the auth endpoints (login, tokens, registration, password reset)."""

from dj_rest_auth.serializers import PasswordResetConfirmSerializer as BasePasswordResetConfirmSerializer
from dj_rest_auth.serializers import PasswordResetSerializer as BasePasswordResetSerializer
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from tenancy.api.base import StrictFieldsMixin
from tenancy.authentication import check_token_for_request, claim_int
from tenancy.exceptions import ServiceError
from tenancy.forms import TenantPasswordResetForm
from tenancy.models import User


class TenantTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Issue tokens that carry the user's tenant and role."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["tenant_id"] = user.tenant_id
        token["role"] = user.role
        token["ver"] = user.token_version
        return token


class LoginSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context["request"]
        http_request = getattr(request, "_request", request)
        user = authenticate(http_request, username=attrs["email"].strip().lower(), password=attrs["password"])
        if getattr(http_request, "axes_locked_out", False):
            raise ServiceError("Too many failed logins: try again later.", code="account_locked", status_code=429)
        host_tenant = getattr(http_request, "tenant", None)
        wrong_host = user is not None and host_tenant is not None and not user.is_super_admin \
            and user.tenant_id != host_tenant.id
        if user is None or wrong_host:
            # The same answer for a wrong password and another company's user: nothing leaks.
            raise serializers.ValidationError("Unable to log in with the given credentials.",
                                              code="invalid_credentials")
        attrs["user"] = user
        return attrs


class TenantTokenRefreshSerializer(TokenRefreshSerializer):
    """Rotate a refresh token, refusing revoked users and other tenants' hosts."""

    def validate(self, attrs):
        try:
            refresh = RefreshToken(attrs["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user_id = claim_int(refresh, api_settings.USER_ID_CLAIM)
        # The user's row lock orders this refresh with any revocation (see tenancy.authentication).
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=user_id).first()
            if user is None or not user.is_active:
                raise AuthenticationFailed("No active account found for the given token.",
                                           code="no_active_account")
            request = self.context["request"]
            check_token_for_request(user=user, token=refresh, host_tenant=getattr(request, "tenant", None))
            return super().validate(attrs)


class LogoutSerializer(StrictFieldsMixin, serializers.Serializer):
    refresh = serializers.CharField()


class RegisterSerializer(StrictFieldsMixin, serializers.Serializer):
    company_name = serializers.CharField(max_length=200)
    subdomain = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class PasswordResetSerializer(StrictFieldsMixin, BasePasswordResetSerializer):
    """Send the reset link to the separate frontend rather than to a Django page."""

    @property
    def password_reset_form_class(self):
        return TenantPasswordResetForm

    def get_email_options(self):
        return {
            "subject_template_name": "emails/password_reset_subject.txt",
            "email_template_name": "emails/password_reset.txt",
            "extra_email_context": {"frontend_url": settings.FRONTEND_URL},
        }


class PasswordResetConfirmSerializer(StrictFieldsMixin, BasePasswordResetConfirmSerializer):
    """Set a new password from an e-mailed link; an unknown uid and a wrong token answer alike."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict) and set(exc.detail) & {"uid", "token"}:
                if self.user is None:
                    # Spend the same work on a missing user as on a real one.
                    default_token_generator.check_token(User(pk=0, password="", email=""), attrs.get("token", ""))
                raise ServiceError("The reset link is invalid or has expired.", code="reset_link_invalid",
                                   fields={"token": ["The reset link is invalid or has expired."]}) from exc
            raise
