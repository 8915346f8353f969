"""The control panel's theme and navigation (django-unfold)."""

from django.urls import reverse_lazy
from django.utils.text import format_lazy


def _item(title: str, icon: str, url_name: str, permission: str, query: str = "", **extra) -> dict:
    link = format_lazy("{}{}", reverse_lazy(url_name), query) if query else reverse_lazy(url_name)
    return {"title": title, "icon": icon, "link": link,
            "permission": f"platform_admin.site.{permission}", **extra}


# The sidebar: "badge_count" names a callback whose number is shown beside the item when it is not 0
# (platform_admin.site.navigation turns it into unfold's badge; unfold draws a badge even for 0).
NAVIGATION = [
    {
        "title": "Overview",
        "items": [{"title": "Dashboard", "icon": "dashboard", "link": reverse_lazy("admin:index")}],
    },
    {
        "title": "Customers",
        "separator": True,
        "items": [
            _item("Companies", "apartment", "admin:tenancy_tenant_changelist", "can_see_tenants",
                  badge_count="platform_admin.site.badge_pending_tenants"),
            _item("Users", "group", "admin:tenancy_user_changelist", "can_see_users"),
            _item("Invitations", "forward_to_inbox", "admin:tenancy_tenantinvitation_changelist",
                  "can_see_users"),
            _item("Activity log", "history", "admin:tenancy_activitylog_changelist", "can_see_activity"),
            _item("Notifications", "notifications", "admin:tenancy_notification_changelist",
                  "can_see_users"),
        ],
    },
    {
        "title": "Billing",
        "separator": True,
        "items": [
            _item("Payments", "payments", "admin:billing_payment_changelist", "can_see_billing",
                  query="?verification=PENDING", badge_count="platform_admin.site.badge_pending_payments"),
            _item("Invoices", "receipt_long", "admin:billing_invoice_changelist", "can_see_billing"),
            _item("Bank statements", "account_balance", "admin:billing_bankstatementimport_changelist",
                  "can_see_billing"),
            _item("Subscriptions", "autorenew", "admin:billing_subscription_changelist", "can_see_billing"),
            _item("Plans", "sell", "admin:billing_plan_changelist", "can_see_billing"),
        ],
    },
    {
        "title": "Work",
        "separator": True,
        "items": [
            _item("Teams", "groups", "admin:work_team_changelist", "can_see_work"),
            _item("Tasks", "task_alt", "admin:work_task_changelist", "can_see_work"),
        ],
    },
    {
        "title": "Platform",
        "separator": True,
        "items": [
            _item("System settings", "settings", "admin:platform_admin_systemsetting_changelist",
                  "is_superuser"),
            _item("Staff groups", "admin_panel_settings", "admin:auth_group_changelist", "is_superuser"),
        ],
    },
]

UNFOLD = {
    "SITE_TITLE": "SaaS Platform",
    "SITE_HEADER": "SaaS Platform control panel",
    "SITE_SUBHEADER": "Company control panel",
    "SITE_SYMBOL": "hub",
    "SITE_URL": "",  # no "Return to site": the platform host has no public site (companies use their own hosts)
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "ENVIRONMENT": "platform_admin.site.environment_callback",
    "DASHBOARD_CALLBACK": "platform_admin.dashboard.dashboard_callback",
    # The header's search (Ctrl+K or the search box): companies, users, invoices and payments, grouped.
    "COMMAND": {"search_callback": "platform_admin.search.global_search", "show_history": False},
    "SIDEBAR": {
        "show_search": True,
        "command_search": True,
        "show_all_applications": False,
        "navigation": "platform_admin.site.navigation",
    },
    "COLORS": {
        "primary": {
            "50": "238 242 255", "100": "224 231 255", "200": "199 210 254", "300": "165 180 252",
            "400": "129 140 248", "500": "99 102 241", "600": "79 70 229", "700": "67 56 202",
            "800": "55 48 163", "900": "49 46 129", "950": "30 27 75",
        },
    },
    "LOGIN": {"redirect_after": reverse_lazy("admin:index"), "form": "platform_admin.twofactor.StaffLoginForm"},
}
