"""The top-level fixtures/ folder: the plan catalogue and the staff groups, loadable with loaddata."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from billing.demo import seed_plans
from billing.models import Plan
from platform_admin.groups import ensure_staff_groups
from tenancy.fixtures import fixture_path

pytestmark = pytest.mark.django_db


def _file(name):
    return json.loads(fixture_path(name).read_text())


def test_loaddata_loads_the_plan_catalogue_and_a_second_load_adds_nothing():
    call_command("loaddata", "plans", verbosity=0)
    call_command("loaddata", "plans", verbosity=0)
    rows = {p.code: p for p in Plan.objects.all()}
    assert list(rows) == ["free", "starter", "professional", "enterprise"]
    assert str(rows["starter"].price) == "19.00" and rows["starter"].trial_days == 14
    assert rows["enterprise"].max_users is None and rows["free"].max_users == 3
    assert Plan.history.count() == 0  # raw fixture loads write no fake history


def test_loaddata_resets_an_edited_plan_but_seed_keeps_staff_edits():
    seed_plans()
    Plan.objects.filter(code="starter").update(name="Starter (edited)")
    assert seed_plans()["starter"].name == "Starter (edited)"
    assert Plan.objects.count() == 4
    call_command("loaddata", "plans", verbosity=0)
    assert Plan.objects.get(code="starter").name == "Starter"


def test_seed_adds_a_plan_missing_from_the_catalogue():
    seed_plans()
    Plan.objects.filter(code="enterprise").delete()
    plans = seed_plans()
    assert sorted(plans) == ["enterprise", "free", "professional", "starter"]
    assert Plan.objects.count() == 4


def test_loaddata_loads_the_staff_groups_with_exactly_their_permissions():
    call_command("loaddata", "staff_groups", verbosity=0)
    expected = {item["fields"]["name"]: {p[0] for p in item["fields"]["permissions"]}
                for item in _file("staff_groups")}
    assert set(expected) == {"Support", "Finance"}
    for name, codenames in expected.items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("codename", flat=True)) == codenames
    assert "verify" not in str(expected["Support"]) and "change_payment" in expected["Finance"]
    assert "change_tenant" in expected["Support"] and "change_tenant" not in expected["Finance"]


def test_ensure_staff_groups_removes_a_permission_granted_by_hand():
    groups = ensure_staff_groups()
    from django.contrib.auth.models import Permission

    groups["Finance"].permissions.add(Permission.objects.get(codename="delete_tenant"))
    groups = ensure_staff_groups()
    assert not groups["Finance"].permissions.filter(codename="delete_tenant").exists()
    assert Group.objects.filter(name__in=["Support", "Finance"]).count() == 2
