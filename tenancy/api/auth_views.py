"""Auth endpoints: registration, login, logout, token refresh, profile, password change and reset."""

import contextlib

from dj_rest_auth import views as rest_auth_views
from dj_rest_auth.utils import jwt_encode
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from tenancy.api import refresh_cookie
from tenancy.api.auth_serializers import LogoutSerializer, RegisterSerializer, TenantTokenRefreshSerializer
from tenancy.api.base import SelfServiceMixin
from tenancy.api.schema import error_responses
from tenancy.api.serializers import ProfileSerializer
from tenancy.authentication import access_token_deny
from tenancy.exceptions import ServiceError
from tenancy.permissions import EVERY_STATE
from tenancy.services.auth import user_logout_everywhere, user_password_set, user_profile_update
from tenancy.services.checks import subdomain_check
from tenancy.services.tenants import tenant_register

DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})


class AuthGateMixin(SelfServiceMixin):
    """Sign-up, login, tokens, the profile and passwords serve companies in every state."""

    tenant_read_states = tenant_write_states = EVERY_STATE


class RegisterView(AuthGateMixin, APIView):
    """Sign a company up: the tenant starts PENDING until platform staff approve it.

    The answer is the same whether or not the e-mail address already has an account (an e-mail tells
    its owner); the new admin logs in with the password it chose.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterSerializer,
        responses={202: DETAIL, **error_responses({
            400: ["required", "invalid", "password_too_weak", "subdomain_invalid", "subdomain_reserved",
                  "subdomain_taken", "unknown_field", "read_only_field"],
            409: ["conflict"],
        })},
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant_register(**serializer.validated_data)
        return Response({"detail": "Registration received: we have sent an e-mail to the address given. "
                                   "Log in with it to follow your company's approval."},
                        status=status.HTTP_202_ACCEPTED)


class SubdomainAvailabilityView(AuthGateMixin, APIView):
    """Say whether a subdomain can be signed up with, and why not (the sign-up form checks as one types)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "subdomain_check"

    @extend_schema(
        parameters=[OpenApiParameter("subdomain", str, required=True)],
        responses={200: inline_serializer("SubdomainAvailability", {
            "subdomain": serializers.CharField(), "available": serializers.BooleanField(),
            "code": serializers.CharField(allow_null=True), "detail": serializers.CharField(allow_null=True)})},
    )
    def get(self, request):
        subdomain = request.query_params.get("subdomain", "")
        try:
            normalized = subdomain_check(subdomain)
        except ServiceError as exc:
            return Response({"subdomain": subdomain.strip().lower(), "available": False,
                             "code": exc.code, "detail": exc.detail})
        return Response({"subdomain": normalized, "available": True, "code": None, "detail": None})


class LoginView(AuthGateMixin, rest_auth_views.LoginView):
    """Exchange e-mail and password for a JWT pair bound to the user's tenant."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def get_response(self):
        response = super().get_response()
        # dj-rest-auth (JWT_AUTH_HTTPONLY) always sets the cookie and blanks the body's refresh token;
        # only a client that asked for the cookie transport gets it that way.
        if refresh_cookie.wants_cookie(self.request):
            refresh_cookie.put_refresh_in_cookie(response, str(self.refresh_token))
        else:
            response.cookies.pop(refresh_cookie.cookie_name(), None)
            response.data["refresh"] = str(self.refresh_token)
        return response


class LogoutView(AuthGateMixin, APIView):
    """Blacklist the refresh token, and refuse the access token sent with the request until it expires."""

    permission_classes = [AllowAny]

    @extend_schema(request=LogoutSerializer, responses={200: DETAIL, **error_responses({400: ["token_not_valid"]})})
    def post(self, request):
        if refresh_cookie.wants_cookie(request) and not request.data.get("refresh"):
            return self._logout_cookie(request)
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
            token.blacklist()
        except TokenError as exc:
            raise ServiceError("The refresh token is invalid or already revoked.", code="token_not_valid") from exc
        if request.auth is not None:
            access_token_deny(request.auth)
        return Response({"detail": "Logged out."})

    def _logout_cookie(self, request):
        token = refresh_cookie.refresh_from_cookie(request)
        if token:
            with contextlib.suppress(TokenError):  # already revoked or expired: the cookie goes all the same
                RefreshToken(token).blacklist()
        if request.auth is not None:
            access_token_deny(request.auth)
        response = Response({"detail": "Logged out."})
        refresh_cookie.clear_refresh_cookie(response)
        return response


class LogoutEverywhereView(AuthGateMixin, APIView):
    """End every session of the current user, on every device (this one included)."""

    @extend_schema(request=None, responses={200: DETAIL})
    def post(self, request):
        user_logout_everywhere(user=request.user)
        access_token_deny(request.auth)
        response = Response({"detail": "Logged out everywhere."})
        if refresh_cookie.wants_cookie(request):
            refresh_cookie.clear_refresh_cookie(response)
        return response


class TokenRefreshView(AuthGateMixin, BaseTokenRefreshView):
    """Rotate the refresh token; the old one is blacklisted."""

    serializer_class = TenantTokenRefreshSerializer

    def post(self, request, *args, **kwargs):
        if refresh_cookie.wants_cookie(request) and not request.data.get("refresh"):
            token = refresh_cookie.refresh_from_cookie(request)
            if token is None:
                raise ServiceError("There is no session: sign in.", code="not_authenticated", status_code=401)
            serializer = self.get_serializer(data={"refresh": token})
            try:
                serializer.is_valid(raise_exception=True)
            except TokenError as exc:
                raise InvalidToken(exc.args[0]) from exc
            response = Response(serializer.validated_data)
            refresh_cookie.put_refresh_in_cookie(response, serializer.validated_data["refresh"])
            return response
        return super().post(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if refresh_cookie.wants_cookie(request) and response.status_code == 401:
            refresh_cookie.clear_refresh_cookie(response)  # a dead session's cookie is of no use
        return super().finalize_response(request, response, *args, **kwargs)


class ProfileView(AuthGateMixin, rest_auth_views.UserDetailsView):
    """Read and update the current user's own name."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        serializer.instance = user_profile_update(user=self.request.user, **serializer.validated_data)


class PasswordChangeView(AuthGateMixin, rest_auth_views.PasswordChangeView):
    """Change the password, revoke every other token of the user and return a fresh pair."""

    @extend_schema(responses={200: inline_serializer(
        "PasswordChanged", {"detail": serializers.CharField(), "access": serializers.CharField(),
                            "refresh": serializers.CharField()})})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The fresh pair carries the token version the change just set (request.user's is the old one).
        user = user_password_set(user=request.user,
                                 password=serializer.set_password_form.cleaned_data["new_password1"])
        access, refresh = jwt_encode(user)
        response = Response({"detail": "The password has been changed.", "access": str(access),
                             "refresh": str(refresh)})
        if refresh_cookie.wants_cookie(request):
            refresh_cookie.put_refresh_in_cookie(response, str(refresh))
        return response


class PasswordResetView(AuthGateMixin, rest_auth_views.PasswordResetView):
    """E-mail a reset link (the answer is the same whether or not the address exists)."""

    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_reset"

    @extend_schema(responses={200: DETAIL})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(AuthGateMixin, rest_auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed uid and token."""

    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_reset"

    @extend_schema(responses={200: DETAIL, **error_responses({400: ["reset_link_invalid", "password_mismatch",
                                                                  "password_too_short", "password_too_common"]})})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_password_set(user=serializer.user, password=serializer.set_password_form.cleaned_data["new_password1"],
                          reset=True)
        return Response({"detail": "The password has been reset."})
