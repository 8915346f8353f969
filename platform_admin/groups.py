"""The staff groups of the control panel: `fixtures/staff_groups.json` holds them and their permissions."""

from django.contrib.auth.models import Group

from tenancy.fixtures import fixture_load

STAFF_GROUP_NAMES = ("Support", "Finance")


def ensure_staff_groups() -> dict[str, Group]:
    """Create the groups and set exactly the fixture's permissions (idempotent)."""
    fixture_load("staff_groups", overwrite=True)
    return {group.name: group for group in Group.objects.filter(name__in=STAFF_GROUP_NAMES)}
