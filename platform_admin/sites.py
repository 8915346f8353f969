"""The control panel's admin site: unfold's site, open to platform staff only."""

from django.contrib.admin.apps import AdminConfig
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from unfold.sites import UnfoldAdminSite


class PlatformAdminSite(UnfoldAdminSite):
    index_title = "Dashboard"
    site_url = None  # no "Return to site": the platform host has no public site; companies use their own hosts

    def has_permission(self, request) -> bool:
        """Refuse company users even if `is_staff` were ever set on one (DESIGN 4: the admin refuses them), and
        staff who still owe their second factor (platform_admin.twofactor)."""
        from platform_admin.twofactor import is_missing_second_factor

        # Asked several times per page (site, navigation, each admin); the answer holds for the request.
        user = request.user
        cached = getattr(request, "_platform_permission", None)
        if cached is not None and cached[0] is user:
            return cached[1]
        allowed = (super().has_permission(request) and user.tenant_id is None
                   and not is_missing_second_factor(request))
        request._platform_permission = (user, allowed)
        return allowed

    def login(self, request, extra_context=None):
        from platform_admin.twofactor import is_missing_second_factor

        response = super().login(request, extra_context)
        # Signed in with the password where a second factor is required: set it up, not a dead end.
        if (request.user.is_authenticated and request.user.is_staff and request.user.tenant_id is None
                and is_missing_second_factor(request)):
            return HttpResponseRedirect(reverse("admin:two_factor"))
        return response

    def password_change(self, request, extra_context=None):
        """Staff change their own password through the service (audited, tokens revoked), on unfold's page."""
        from django.contrib.auth.views import PasswordChangeView

        from platform_admin.forms import OwnPasswordChangeForm

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=OwnPasswordChangeForm, success_url=reverse(f"{self.name}:password_change_done"),
            extra_context={**self.each_context(request), **(extra_context or {})},
            **({"template_name": self.password_change_template} if self.password_change_template else {}),
        )(request)

    def get_urls(self):
        from platform_admin.twofactor import two_factor_view

        return [path("two-factor/", never_cache(two_factor_view), name="two_factor"), *super().get_urls()]


class PlatformAdminSiteConfig(AdminConfig):
    """django.contrib.admin with the platform's site as `admin.site`."""

    default_site = "platform_admin.sites.PlatformAdminSite"
