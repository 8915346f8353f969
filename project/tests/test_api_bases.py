"""No escape hatch: every API view derives from exactly one base, and cross-tenant reads stay with staff.

The bases (tenancy/api/base.py): TenantScopedViewSet and TenantScopedAPIView serve a company's own
rows; PlatformStaffViewSet serves platform staff across tenants; SelfServiceMixin serves no tenant's
rows (auth, profile, the plan catalogue, accepting an invitation). The `*_for_all_tenants` selectors
may be referenced only from PlatformStaffViewSet subclasses and the admin (platform_admin/).
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import get_resolver
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tenancy.api.base import (
    SEALED_METHODS,
    PlatformStaffViewSet,
    SelfServiceMixin,
    TenantScopedAPIView,
    TenantScopedViewSet,
)
from tenancy.models import Notification

BASES = (TenantScopedViewSet, TenantScopedAPIView, PlatformStaffViewSet, SelfServiceMixin)
ROOT = Path(settings.BASE_DIR)
SOURCE_DIRS = ("tenancy", "billing", "work", "platform_admin", "ops", "project")
# Where cross-tenant reads are allowed besides PlatformStaffViewSet subclasses: the admin and its services.
ALL_TENANTS_ALLOWED_DIRS = ("platform_admin/",)


def _api_view_classes() -> set[type]:
    def callbacks(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from callbacks(pattern.url_patterns)
            else:
                yield pattern.callback

    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    classes = {getattr(view, "cls", None) or getattr(view, "view_class", None) for view in callbacks(api.url_patterns)}
    return classes - {None, SpectacularAPIView, SpectacularSwaggerView}


def test_every_api_view_derives_from_exactly_one_base():
    classes = _api_view_classes()
    assert len(classes) > 20
    wrong = {cls.__name__: [base.__name__ for base in BASES if issubclass(cls, base)] for cls in classes}
    wrong = {name: bases for name, bases in wrong.items() if len(bases) != 1}
    assert not wrong, f"API views that do not derive from exactly one of the bases: {wrong}"


def test_the_staff_api_views_are_platform_staff_viewsets():
    names = {cls.__name__ for cls in _api_view_classes() if issubclass(cls, PlatformStaffViewSet)}
    assert {"StaffPaymentViewSet", "StaffInvoiceViewSet", "StaffSubscriptionViewSet", "TenantViewSet"} <= names


def _all_tenants_references() -> list[tuple[str, int, str, str | None]]:
    """(file, line, name, enclosing class or None) of every reference to a *_for_all_tenants function."""
    found = []
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            tree = ast.parse(path.read_text(), filename=relative)

            def visit(node, enclosing):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.ClassDef):
                        visit(child, child.name)
                        continue
                    name = (child.id if isinstance(child, ast.Name) else
                            child.attr if isinstance(child, ast.Attribute) else
                            getattr(child, "name", None) if isinstance(child, ast.alias) else None)
                    if name and name.endswith("_for_all_tenants"):
                        found.append((relative, child.lineno, name, enclosing))
                    visit(child, enclosing)

            visit(tree, None)
    return found


def test_cross_tenant_selectors_are_used_only_by_staff_views_and_the_admin():
    references = _all_tenants_references()
    # the scan sees the staff views' reads (so an empty result would mean a broken scan, not a clean tree)
    assert ("billing/api/views.py", "StaffPaymentViewSet") in {(f, c) for f, _, _, c in references}
    wrong = []
    for relative, line, name, enclosing in references:
        if relative.startswith(ALL_TENANTS_ALLOWED_DIRS):
            continue
        module = importlib.import_module(relative[:-3].replace("/", "."))
        cls = getattr(module, enclosing, None) if enclosing else None
        if not (isinstance(cls, type) and issubclass(cls, PlatformStaffViewSet)):
            wrong.append(f"{relative}:{line} {name} (in {enclosing or 'module level'})")
    assert not wrong, f"*_for_all_tenants used outside PlatformStaffViewSet subclasses and the admin: {wrong}"


@pytest.mark.parametrize("base", [TenantScopedViewSet, TenantScopedAPIView, PlatformStaffViewSet],
                         ids=lambda b: b.__name__)
@pytest.mark.parametrize("hook", SEALED_METHODS)
def test_the_scoped_and_staff_bases_refuse_overrides_of_their_hooks(base, hook):
    with pytest.raises(TypeError, match=hook):
        type("Leaky", (base,), {hook: lambda self, *args, **kwargs: Notification.objects.all()})


def test_a_subclass_of_a_subclass_is_sealed_too():
    class Fine(PlatformStaffViewSet):
        queryset = Notification.objects.all()

    with pytest.raises(TypeError, match="get_object"):
        type("Leaky", (Fine,), {"get_object": lambda self: None})


@pytest.mark.django_db
def test_a_company_user_gets_403_on_every_staff_action_and_sees_only_its_company(api, tenant, other_tenant,
                                                                                    tenant_admin, super_admin):
    client = api(tenant_admin)
    for url in ("/api/subscriptions/staff/payments/", "/api/subscriptions/staff/invoices/",
                "/api/subscriptions/staff/subscriptions/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/api/tenants/{tenant.pk}/suspend/", {"reason": "x"}).status_code == 403
    listed = client.get("/api/tenants/").json()
    assert [row["id"] for row in listed["results"]] == [tenant.pk]
    assert client.get(f"/api/tenants/{other_tenant.pk}/").status_code == 404
    assert client.patch(f"/api/tenants/{other_tenant.pk}/", {"name": "Taken"}).status_code == 404
    staff_ids = {row["id"] for row in api(super_admin).get("/api/tenants/").json()["results"]}
    assert {tenant.pk, other_tenant.pk} <= staff_ids
