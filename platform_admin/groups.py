"""The staff groups of the control panel and the permissions each one holds."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# group -> {app_label: {model: [actions]}}
STAFF_GROUPS = {
    "Support": {
        "tenancy": {
            "tenant": ["view", "change"],
            "domain": ["view", "add", "change"],
            "tenantsettings": ["view", "change"],
            "user": ["view", "change"],
            "tenantinvitation": ["view"],
            "activitylog": ["view"],
            "notification": ["view"],
        },
        "work": {"team": ["view"], "teammember": ["view"], "task": ["view"], "comment": ["view"],
                 "attachment": ["view"], "taskactivity": ["view"]},
    },
    "Finance": {
        "tenancy": {"tenant": ["view"], "activitylog": ["view"]},
        "billing": {
            "plan": ["view", "add", "change"],
            "subscription": ["view", "change"],
            "payment": ["view", "change"],
            "invoice": ["view", "add", "change"],
            "invoiceline": ["view"],
        },
    },
}


def ensure_staff_groups() -> dict[str, Group]:
    """Create the groups and set exactly their permissions (idempotent)."""
    groups = {}
    for name, apps in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        query = Q(pk__in=[])
        for app_label, models in apps.items():
            for model, actions in models.items():
                query |= Q(content_type__app_label=app_label, content_type__model=model,
                           codename__in=[f"{action}_{model}" for action in actions])
        group.permissions.set(Permission.objects.filter(query))
        groups[name] = group
    return groups
