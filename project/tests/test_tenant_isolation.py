"""Tenant isolation safety net: sweep every API route with another tenant's ids.

The demo seed gives two full tenants, acme and tech. Acme's users then call every route of the OpenAPI
schema with tech's ids in the path, in the query string and in the body, and tech's token-less data
must never show up, never change, and never be told apart from an id that does not exist:

* path ids: every route with parameters, every method; 404 (405 for a method the route lacks, 403 for a
  role refused before the lookup), the same answer as for an id that does not exist, nothing of tech's
  in the body, and tech's rows unchanged;
* list routes: none of tech's ids, names or e-mail addresses in the body;
* query filters on a foreign key: tech's id must answer exactly like an unknown id;
* token on the wrong host: acme's token on `tech.localhost` is a 401 on every authenticated route;
* body foreign keys: tech's ids in a create or update body are a 400 (404 when in the path), nothing written.

A route or a foreign-key filter that the mappings below do not know makes the sweep fail, so a new
endpoint has to join it.
"""

import json
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.urls import resolve
from django_filters import rest_framework as drf_filters
from rest_framework.test import APIClient

from billing.models import Invoice, InvoiceStatus, Payment, Plan, Subscription
from tenancy.models import Domain, Notification, Role, Tenant, TenantExport, TenantInvitation, User
from work import selectors as work_selectors
from work.models import Attachment, Comment, Task, Team, TeamInvitation

ACME_HOST = "acme.localhost"
TECH_HOST = "tech.localhost"
PLATFORM_HOST = "localhost"
MISSING_ID = 987654321
METHODS = ("get", "post", "put", "patch", "delete")

# Anything that names tech: its company name, e-mail domain, tax id, host.
TECH_MARKERS = ("Tech Innovators", "techinnovators.com", "TAX-TECH", TECH_HOST)

# ---------------------------------------------------------------------------------------------------------
# Mappings. Every schema route with a path parameter must be in ROUTE_PARAMS, every GET route without one
# in LIST_ROUTES, every foreign-key filter of a list route in FK_FILTERS.
# ---------------------------------------------------------------------------------------------------------

# model key -> (model, how to find the row's tenant). The parent of a nested row comes from PARENT_OF.
MODELS = {
    "tenant": Tenant,
    "member": User,
    "tenant_invitation": TenantInvitation,
    "notification": Notification,
    "subscription": Subscription,
    "invoice": Invoice,
    "payment": Payment,
    "team": Team,
    "team_invitation": TeamInvitation,
    "task": Task,
    "comment": Comment,
    "attachment": Attachment,
    "domain": Domain,
    "tenant_export": TenantExport,
}
# nested model -> (parent model key, attribute holding the parent's id)
PARENT_OF = {"comment": ("task", "task_id"), "attachment": ("task", "task_id")}

ROUTE_PARAMS = {
    "/api/notifications/{id}/mark-read/": {"id": "notification"},
    "/api/subscriptions/invoices/{id}/": {"id": "invoice"},
    "/api/subscriptions/invoices/{id}/pdf/": {"id": "invoice"},
    "/api/subscriptions/payments/{id}/": {"id": "payment"},
    "/api/subscriptions/payments/{id}/proof/": {"id": "payment"},
    "/api/subscriptions/payments/{id}/verify/": {"id": "payment"},
    "/api/subscriptions/staff/invoices/{id}/": {"id": "invoice"},
    "/api/subscriptions/staff/invoices/{id}/mark-paid/": {"id": "invoice"},
    "/api/subscriptions/staff/invoices/{id}/pdf/": {"id": "invoice"},
    "/api/subscriptions/staff/invoices/{id}/void/": {"id": "invoice"},
    "/api/subscriptions/staff/payments/{id}/": {"id": "payment"},
    "/api/subscriptions/staff/payments/{id}/proof/": {"id": "payment"},
    "/api/subscriptions/staff/payments/{id}/verify/": {"id": "payment"},
    "/api/subscriptions/staff/subscriptions/{id}/": {"id": "subscription"},
    "/api/subscriptions/staff/subscriptions/{id}/cancel/": {"id": "subscription"},
    "/api/subscriptions/staff/subscriptions/{id}/extend/": {"id": "subscription"},
    "/api/subscriptions/subscriptions/{id}/": {"id": "subscription"},
    "/api/subscriptions/subscriptions/{id}/cancel/": {"id": "subscription"},
    "/api/subscriptions/subscriptions/{id}/change-plan/": {"id": "subscription"},
    "/api/tasks/{id}/": {"id": "task"},
    "/api/tasks/{id}/activities/": {"id": "task"},
    "/api/tasks/{id}/attachments/": {"id": "task"},
    "/api/tasks/{id}/attachments/{attachment_id}/": {"id": "task", "attachment_id": "attachment"},
    "/api/tasks/{id}/attachments/{attachment_id}/download/": {"id": "task", "attachment_id": "attachment"},
    "/api/tasks/{id}/comments/": {"id": "task"},
    "/api/tasks/{id}/comments/{comment_id}/": {"id": "task", "comment_id": "comment"},
    "/api/tasks/{id}/move/": {"id": "task"},
    "/api/teams/{id}/": {"id": "team"},
    "/api/teams/{id}/add-member/": {"id": "team"},
    "/api/teams/{id}/members/": {"id": "team"},
    "/api/teams/{id}/remove-member/": {"id": "team"},
    "/api/teams/invitations/{id}/": {"id": "team_invitation"},
    "/api/tenants/{id}/": {"id": "tenant"},
    "/api/tenants/{id}/approve/": {"id": "tenant"},
    "/api/tenants/{id}/invite-admin/": {"id": "tenant"},
    "/api/tenants/domains/{id}/": {"id": "domain"},
    "/api/tenants/domains/{id}/verify/": {"id": "domain"},
    "/api/tenants/exports/{id}/": {"id": "tenant_export"},
    "/api/tenants/exports/{id}/download/": {"id": "tenant_export"},
    "/api/tenants/{id}/reactivate/": {"id": "tenant"},
    "/api/tenants/{id}/reject/": {"id": "tenant"},
    "/api/tenants/{id}/suspend/": {"id": "tenant"},
    "/api/tenants/invitations/{id}/": {"id": "tenant_invitation"},
    "/api/tenants/members/{id}/": {"id": "member"},
}

# GET routes without path parameters -> the model whose ids the body lists (None: no id list, markers only).
LIST_ROUTES = {
    "/api/activity/": None,  # log rows of acme; tech's names are what must not appear
    "/api/auth/profile/": "member",
    "/api/auth/subdomain-available/": None,  # public; answers about a name, lists no rows
    "/api/notifications/": "notification",
    "/api/notifications/preferences/": None,
    "/api/subscriptions/billing/dashboard/": None,
    "/api/subscriptions/invoices/": "invoice",
    "/api/subscriptions/payments/": "payment",
    "/api/subscriptions/plans/": None,  # global
    "/api/subscriptions/staff/invoices/": "invoice",
    "/api/subscriptions/staff/payments/": "payment",
    "/api/subscriptions/staff/subscriptions/": "subscription",
    "/api/subscriptions/subscriptions/": "subscription",
    "/api/tasks/": "task",
    "/api/tasks/board/": "task",  # needs ?team=<own team>
    "/api/teams/": "team",
    "/api/teams/invitations/": "team_invitation",
    "/api/tenants/": "tenant",
    "/api/tenants/invitations/": "tenant_invitation",
    "/api/tenants/domains/": "domain",
    "/api/tenants/exports/": "tenant_export",
    "/api/tenants/members/": "member",
    "/api/tenants/settings/": None,
}

# (list route, query parameter) -> model key of the id it takes.
FK_FILTERS = {
    ("/api/activity/", "actor"): "member",
    ("/api/subscriptions/payments/", "invoice"): "invoice",
    ("/api/subscriptions/staff/payments/", "tenant"): "tenant",
    ("/api/subscriptions/staff/invoices/", "tenant"): "tenant",
    ("/api/subscriptions/staff/subscriptions/", "tenant"): "tenant",
    ("/api/tasks/", "team"): "team",
    ("/api/tasks/", "assignee"): "member",
    ("/api/tasks/board/", "team"): "team",
    ("/api/tasks/board/", "assignee"): "member",
    ("/api/teams/invitations/", "team"): "team",
}

# Routes that authenticate nobody (no token is read): the token-on-wrong-host sweep skips them.
PUBLIC_ROUTES = {
    "/api/auth/register/",
    "/api/auth/login/",
    "/api/auth/subdomain-available/",  # the sign-up form's check: public, reads nothing of a tenant
    "/api/auth/password-reset/",
    "/api/auth/password-reset/confirm/",
    "/api/auth/token/refresh/",  # the refresh token is in the body; tested on its own below
    "/api/tenants/invitations/accept/",
}
# Routes the resolver has that the schema leaves out on purpose.
NOT_IN_SCHEMA = {"/api/schema/", "/api/docs/"}


# ---------------------------------------------------------------------------------------------------------
# Data: the real demo seed, once per module, rolled back at the end.
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Demo:
    acme: Tenant
    tech: Tenant
    users: dict = field(default_factory=dict)  # "acme:TENANT_ADMIN", "tech:MEMBER", "staff"
    tech_ids: dict = field(default_factory=dict)  # model key -> set of tech's ids
    tech_tokens: dict = field(default_factory=dict)  # "tenant_invitation"/"team_invitation" -> raw token


def _first(queryset, role):
    return queryset.filter(role=role, is_active=True).order_by("email").first()


def _tech_rows(key, tech):
    model = MODELS[key]
    if key == "tenant":
        return model.objects.filter(pk=tech.pk)
    return model.objects.filter(tenant=tech)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from billing import demo as billing_demo
    from tenancy import demo as tenancy_demo
    from tenancy.services import members as member_services
    from work import demo as work_demo
    from work.services import teams as team_services

    media = tmp_path_factory.mktemp("isolation-media")
    with django_db_blocker.unblock(), override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", MEDIA_ROOT=str(media)
    ), transaction.atomic():
        tenants = tenancy_demo.seed()
        billing_demo.seed(tenants=tenants)
        work_demo.seed(tenants=tenants)
        acme, tech = tenants["acme"], tenants["tech"]
        data = Demo(acme=acme, tech=tech)
        for key, tenant in (("acme", acme), ("tech", tech)):
            users = User.objects.filter(tenant=tenant)
            for role in (Role.TENANT_ADMIN, Role.MANAGER, Role.MEMBER):
                data.users[f"{key}:{role}"] = _first(users, role)
        data.users["staff"] = User.objects.get(email="owner@saasplatform.com")

        # The seed has no pending invitations; give tech one of each so those routes have a target.
        tech_admin = data.users[f"tech:{Role.TENANT_ADMIN}"]
        _inv, data.tech_tokens["tenant_invitation"] = member_services.invitation_create(
            tenant=tech, actor=tech_admin, email="newbie@techinnovators.com", role=Role.MEMBER)
        invitee, tech_team = next(
            (user, team) for user in User.objects.filter(tenant=tech, role=Role.MEMBER).order_by("email")
            for team in Team.objects.filter(tenant=tech, is_archived=False).exclude(memberships__user=user))
        _tinv, data.tech_tokens["team_invitation"] = team_services.team_invitation_create(
            tenant=tech, actor=tech_admin, team=tech_team, email=invitee.email)
        # A ready export of tech's (built here, without the job) for the export routes.
        TenantExport.objects.create(tenant=tech, requested_by=tech_admin, status="READY", file="exports/x.zip",
                                    size=1)
        for key in MODELS:
            data.tech_ids[key] = set(_tech_rows(key, tech).values_list("pk", flat=True))
            assert data.tech_ids[key], f"the demo gives tech no {key}: the sweep would prove nothing"
        assert all(data.users.values()), data.users
        with override_settings(MEDIA_ROOT=str(media)):
            yield data
        transaction.set_rollback(True)


@pytest.fixture
def sweep_db(demo, db, settings, tmp_path):
    """The module's demo data inside this test's own (rolled back) transaction."""
    return demo


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------

_SCHEMA_PATHS = None


def schema_routes() -> dict[str, set[str]]:
    """{path: {declared methods}} from the OpenAPI schema."""
    global _SCHEMA_PATHS
    if _SCHEMA_PATHS is None:
        from drf_spectacular.generators import SchemaGenerator

        paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
        _SCHEMA_PATHS = {path: {m for m in ops if m in METHODS} for path, ops in paths.items()}
    return _SCHEMA_PATHS


def path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def client(user, host) -> APIClient:
    from tenancy.api.auth_serializers import TenantTokenObtainPairSerializer

    api = APIClient(HTTP_HOST=host)
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {TenantTokenObtainPairSerializer.get_token(user).access_token}")
    return api


def tenant_models():
    """Every model with a `tenant` foreign key (found, not listed, so a new one is covered)."""
    found = []
    for model in apps.get_models():
        try:
            tenant_field = model._meta.get_field("tenant")
        except FieldDoesNotExist:
            continue
        if tenant_field.is_relation and tenant_field.related_model is Tenant:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def fingerprint(tenant) -> dict:
    """Every column of the tenant's rows in every tenant-owned table, plus each table's global count."""
    print_ = {"Tenant": list(Tenant.objects.filter(pk=tenant.pk).values())}
    for model in tenant_models():
        print_[model._meta.label] = list(model.objects.filter(tenant=tenant).order_by("pk").values())
        print_[f"count:{model._meta.label}"] = model.objects.count()
    return print_


def fingerprint_diff(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def body_text(response) -> str:
    content = getattr(response, "content", b"")
    if not content and hasattr(response, "streaming_content"):
        content = b"".join(response.streaming_content)
    return content.decode("utf-8", "replace")


def body_json(response):
    try:
        return json.loads(body_text(response))
    except ValueError:
        return None


def error_code(response):
    data = body_json(response)
    return data.get("code") if isinstance(data, dict) else None


def listed_ids(data) -> set:
    """The ids of the objects a list (or paginated, or board) response lists, at any depth."""
    found = set()
    if isinstance(data, dict):
        if "id" in data:
            found.add(data["id"])
        for value in data.values():
            found |= listed_ids(value)
    elif isinstance(data, list):
        for item in data:
            found |= listed_ids(item)
    return found


def markers_in(text: str) -> list[str]:
    return [marker for marker in TECH_MARKERS if marker.lower() in text.lower()]


def own_ids(demo, key, user) -> list:
    """Ids of acme's rows of `key` this user can reach (for a nested route's parent)."""
    if key == "task":
        return list(work_selectors.task_list(tenant=demo.acme, user=user).values_list("pk", flat=True)[:1])
    if key == "team":
        return list(work_selectors.team_list(tenant=demo.acme, user=user).values_list("pk", flat=True)[:1])
    return list(MODELS[key].objects.filter(tenant=demo.acme).values_list("pk", flat=True)[:1])


def request_body(path: str, method: str, demo) -> tuple[dict, str | None]:
    """A body that would succeed on one's own object, so a missing tenant check would really write."""
    acme_member = demo.users[f"acme:{Role.MEMBER}"]
    plan = Plan.objects.order_by("pk").first()
    bodies = {
        ("/api/tasks/{id}/", "patch"): {"title": "isolation-sweep"},
        ("/api/tasks/{id}/", "put"): {"title": "isolation-sweep"},
        ("/api/tasks/{id}/move/", "post"): {"status": "DONE", "position": 0},
        ("/api/tasks/{id}/comments/", "post"): {"body": "isolation-sweep"},
        ("/api/tasks/{id}/comments/{comment_id}/", "patch"): {"body": "isolation-sweep"},
        ("/api/teams/{id}/", "patch"): {"name": "isolation-sweep"},
        ("/api/teams/{id}/add-member/", "post"): {"user": acme_member.pk, "role": "MEMBER"},
        ("/api/teams/{id}/remove-member/", "post"): {"user": acme_member.pk},
        ("/api/tenants/{id}/", "patch"): {"name": "isolation-sweep"},
        ("/api/tenants/{id}/reject/", "post"): {"reason": "isolation-sweep"},
        ("/api/tenants/{id}/suspend/", "post"): {"reason": "isolation-sweep"},
        ("/api/tenants/members/{id}/", "patch"): {"role": Role.MEMBER, "is_active": False},
        ("/api/subscriptions/subscriptions/{id}/cancel/", "post"): {"immediately": True},
        ("/api/subscriptions/subscriptions/{id}/change-plan/", "post"): {"plan": plan.pk},
        ("/api/subscriptions/staff/subscriptions/{id}/cancel/", "post"): {"immediately": True},
        ("/api/subscriptions/staff/subscriptions/{id}/extend/", "post"): {"days": 30},
        ("/api/subscriptions/staff/invoices/{id}/void/", "post"): {"reason": "isolation-sweep"},
        ("/api/subscriptions/payments/{id}/verify/", "post"): {"action": "verify"},
        ("/api/subscriptions/staff/payments/{id}/verify/", "post"): {"action": "verify"},
    }
    if (path, method) == ("/api/tasks/{id}/attachments/", "post"):
        return {"file": SimpleUploadedFile("sweep.txt", b"isolation sweep", content_type="text/plain")}, "multipart"
    return bodies.get((path, method), {}), "json"


def call(api, method, url, body=None, fmt="json"):
    if method in ("get", "delete") or body is None:
        return getattr(api, method)(url)
    return getattr(api, method)(url, body, format=fmt)


# ---------------------------------------------------------------------------------------------------------
# The mappings cover the whole API
# ---------------------------------------------------------------------------------------------------------


def test_every_route_is_mapped():
    routes = schema_routes()
    with_params = {p for p in routes if path_params(p)}
    lists = {p for p, methods in routes.items() if not path_params(p) and "get" in methods}
    missing = sorted(with_params - set(ROUTE_PARAMS))
    assert not missing, f"routes with path parameters missing from ROUTE_PARAMS (add them to the sweep): {missing}"
    for path in with_params:
        assert set(path_params(path)) == set(ROUTE_PARAMS[path]), f"{path}: parameters and mapping differ"
    unlisted = sorted(lists - set(LIST_ROUTES))
    assert not unlisted, f"list routes missing from LIST_ROUTES (add them to the sweep): {unlisted}"
    stale = sorted((set(ROUTE_PARAMS) | set(LIST_ROUTES)) - set(routes))
    assert not stale, f"mapped routes the schema no longer has: {stale}"


def test_schema_hides_no_route():
    """The sweep reads the schema: every route the resolver serves under /api/ must be in it."""
    from drf_spectacular.generators import EndpointEnumerator

    schema = set(schema_routes())
    served = {re.sub(r"\{pk\}", "{id}", endpoint[0]) for endpoint in EndpointEnumerator().get_api_endpoints()}
    hidden = sorted(path for path in served - schema - NOT_IN_SCHEMA if path.startswith("/api/"))
    assert not hidden, f"API routes missing from the OpenAPI schema, so from this sweep: {hidden}"


def _fk_filters_of(path):
    match = resolve(path)
    view_class = match.func.cls
    view = view_class(**getattr(match.func, "initkwargs", {}))
    view.action_map = getattr(match.func, "actions", {})
    view.action = view.action_map.get("get")
    view.swagger_fake_view = True
    queryset = getattr(view_class, "queryset", None)
    if queryset is None or queryset.model is None:
        serializer = getattr(view_class, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None:
            return set()
        queryset = model.objects.none()
    if not getattr(view, "filterset_class", None) and not getattr(view, "filterset_fields", None):
        return set()
    filterset = drf_filters.DjangoFilterBackend().get_filterset_class(view, queryset)
    if filterset is None:
        return set()
    model = filterset._meta.model
    found = set()
    for name, flt in filterset.base_filters.items():
        if flt.lookup_expr == "isnull":
            continue  # a yes/no question, not an id
        if isinstance(flt, drf_filters.ModelChoiceFilter | drf_filters.ModelMultipleChoiceFilter):
            found.add(name)
            continue
        column = flt.field_name.split("__")[0]
        column = column[:-3] if column.endswith("_id") else column
        try:
            if model._meta.get_field(column).is_relation:
                found.add(name)
        except FieldDoesNotExist:  # not a model field (a method filter)
            continue
    return found


def test_every_foreign_key_filter_is_probed():
    declared = set()
    for path in LIST_ROUTES:
        declared |= {(path, name) for name in _fk_filters_of(path)}
    missing = sorted(declared - set(FK_FILTERS))
    assert not missing, f"foreign-key query filters missing from FK_FILTERS: {missing}"


# ---------------------------------------------------------------------------------------------------------
# Path ids of the other tenant
# ---------------------------------------------------------------------------------------------------------

SUBJECTS = {
    # name: (user key, host, sweep undeclared methods too, only these route prefixes)
    "acme-admin": (f"acme:{Role.TENANT_ADMIN}", ACME_HOST, True, None),
    "acme-member": (f"acme:{Role.MEMBER}", ACME_HOST, False, None),
    "acme-admin-on-platform-host": (f"acme:{Role.TENANT_ADMIN}", PLATFORM_HOST, False, None),
    # Staff on a tenant's host are limited to that tenant (billing.api.views.StaffViewSet).
    "staff-on-acme-host": ("staff", ACME_HOST, False, ("/api/subscriptions/",)),
}


def _variants(demo, path, user):
    """[(label, tech's path values, the same with unknown ids)]: tech's ids (a nested child under its own
    tech parent), and for a nested route also acme's parent with tech's child."""
    params = ROUTE_PARAMS[path]
    keys = list(params.items())
    child_name, child_key = keys[-1]
    tech_child = min(demo.tech_ids[child_key])
    variants = []
    if child_key in PARENT_OF and len(keys) > 1:
        parent_name = keys[0][0]
        parent_key, parent_attr = PARENT_OF[child_key]
        tech_parent = getattr(MODELS[child_key].objects.get(pk=tech_child), parent_attr)
        variants.append(("tech parent, tech child", {parent_name: tech_parent, child_name: tech_child},
                         {parent_name: MISSING_ID, child_name: MISSING_ID}))
        for own in own_ids(demo, parent_key, user):
            variants.append(("own parent, tech child", {parent_name: own, child_name: tech_child},
                             {parent_name: own, child_name: MISSING_ID}))
    else:
        variants.append(("tech", {child_name: tech_child}, {child_name: MISSING_ID}))
        if max(demo.tech_ids[child_key]) != tech_child:
            variants.append(("tech (another)", {child_name: max(demo.tech_ids[child_key])},
                             {child_name: MISSING_ID}))
    return variants


@pytest.mark.parametrize("subject", list(SUBJECTS))
def test_other_tenants_ids_in_the_path_are_404(sweep_db, subject):
    demo = sweep_db
    user_key, host, all_methods, prefixes = SUBJECTS[subject]
    user = demo.users[user_key]
    api = client(user, host)
    failures, requests = [], 0
    for path, declared in sorted(schema_routes().items()):
        if not path_params(path) or (prefixes and not path.startswith(prefixes)):
            continue
        before = fingerprint(demo.tech)
        for method in METHODS if all_methods else sorted(declared):
            for label, values, unknown_values in _variants(demo, path, user):
                unknown = call(api, method, fill(path, unknown_values), *request_body(path, method, demo))
                url = fill(path, values)
                body, fmt = request_body(path, method, demo)
                response = call(api, method, url, body, fmt)
                requests += 2
                allowed = {403, 404} | ({405} if method not in declared else set())
                where = f"{subject} {method.upper()} {url} [{label}]"
                if response.status_code not in allowed:
                    failures.append(f"{where}: {response.status_code} (expected one of {sorted(allowed)}) "
                                    f"{body_text(response)[:200]}")
                elif (response.status_code, error_code(response)) != (unknown.status_code, error_code(unknown)):
                    failures.append(f"{where}: {response.status_code}/{error_code(response)} but an unknown id "
                                    f"gives {unknown.status_code}/{error_code(unknown)} (existence leaks)")
                leaked = markers_in(body_text(response))
                if leaked:
                    failures.append(f"{where}: body names tech {leaked}")
        changed = fingerprint_diff(before, fingerprint(demo.tech))
        if changed:
            failures.append(f"{subject} {path}: tech's data changed in {changed}")
    assert requests > 50 if not prefixes else requests > 20
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------------------
# List routes
# ---------------------------------------------------------------------------------------------------------

LIST_SUBJECTS = {
    "acme-admin": (f"acme:{Role.TENANT_ADMIN}", ACME_HOST),
    "acme-manager": (f"acme:{Role.MANAGER}", ACME_HOST),
    "acme-member": (f"acme:{Role.MEMBER}", ACME_HOST),
    "acme-admin-on-platform-host": (f"acme:{Role.TENANT_ADMIN}", PLATFORM_HOST),
    "staff-on-acme-host": ("staff", ACME_HOST),
}
# Platform staff see every company in the company list by design (tenancy.selectors.tenant_list).
STAFF_SEES_ALL = {"/api/tenants/"}


@pytest.mark.parametrize("subject", list(LIST_SUBJECTS))
def test_list_routes_show_nothing_of_the_other_tenant(sweep_db, subject):
    demo = sweep_db
    user_key, host = LIST_SUBJECTS[subject]
    user = demo.users[user_key]
    api = client(user, host)
    own_team = own_ids(demo, "team", user) if user.tenant_id else list(
        Team.objects.filter(tenant=demo.acme).values_list("pk", flat=True)[:1])
    failures, served = [], 0
    for path in sorted(LIST_ROUTES):
        if user_key == "staff" and path in STAFF_SEES_ALL:
            continue
        query = {"page_size": 100}
        if path == "/api/tasks/board/":
            query["team"] = own_team[0]
        response = api.get(path, query)
        if response.status_code not in (200, 403):
            failures.append(f"{subject} GET {path}: {response.status_code} {body_text(response)[:200]}")
            continue
        served += response.status_code == 200
        text = body_text(response)
        leaked = markers_in(text)
        if leaked:
            failures.append(f"{subject} GET {path}: body names tech {leaked}")
        key = LIST_ROUTES[path]
        if key is not None and response.status_code == 200:
            foreign = listed_ids(body_json(response)) & demo.tech_ids[key]
            # A board lists teams and users too; only ids that are tech's rows *of this model* count, and
            # acme's own rows never share an id with tech's, so any overlap is a tech row.
            if foreign:
                failures.append(f"{subject} GET {path}: lists tech's {key} ids {sorted(foreign)}")
    assert served >= 3, f"{subject}: almost every list route refused, the check proved nothing"
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------------------
# Foreign-key query filters
# ---------------------------------------------------------------------------------------------------------


def _fk_filter_params():
    for (path, name), key in sorted(FK_FILTERS.items()):
        yield pytest.param(path, name, key, id=f"{path}?{name}")


@pytest.mark.parametrize(("path", "name", "key"), list(_fk_filter_params()))
def test_foreign_key_filters_cannot_tell_other_tenants_ids(sweep_db, path, name, key):
    demo = sweep_db
    failures = []
    for role in (Role.TENANT_ADMIN, Role.MEMBER):
        api = client(demo.users[f"acme:{role}"], ACME_HOST)
        unknown = api.get(path, {name: MISSING_ID})
        for tech_id in sorted(demo.tech_ids[key])[:3]:
            response = api.get(path, {name: tech_id})
            where = f"acme {role} GET {path}?{name}={tech_id}"
            if (response.status_code, error_code(response)) != (unknown.status_code, error_code(unknown)):
                failures.append(f"{where}: {response.status_code}/{error_code(response)}, an unknown id "
                                f"{unknown.status_code}/{error_code(unknown)}")
            leaked = markers_in(body_text(response))
            if leaked:
                failures.append(f"{where}: body names tech {leaked}")
            if response.status_code == 200 and listed_ids(body_json(response)) & demo.tech_ids.get(
                    LIST_ROUTES[path] or "", set()):
                failures.append(f"{where}: lists tech rows")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------------------
# A token on another tenant's host
# ---------------------------------------------------------------------------------------------------------


def test_acme_token_on_tech_host_is_401_everywhere(sweep_db):
    demo = sweep_db
    api = client(demo.users[f"acme:{Role.TENANT_ADMIN}"], TECH_HOST)
    tech_user = demo.users[f"tech:{Role.TENANT_ADMIN}"]
    before = fingerprint(demo.tech)
    failures, apps_seen = [], set()
    for path, declared in sorted(schema_routes().items()):
        if path in PUBLIC_ROUTES:
            continue
        values = {}
        if path_params(path):
            values = _variants(demo, path, tech_user)[0][1]
        for method in sorted(declared):
            body, fmt = request_body(path, method, demo)
            url = fill(path, values)
            if path == "/api/tasks/board/":
                url += f"?team={min(demo.tech_ids['team'])}"
            response = call(api, method, url, body, fmt)
            if response.status_code != 401:
                failures.append(f"{method.upper()} {TECH_HOST}{url}: {response.status_code} "
                                f"{body_text(response)[:200]}")
            elif markers_in(body_text(response)):
                failures.append(f"{method.upper()} {url}: 401 that names tech")
            apps_seen.add(path.split("/")[2])
    assert {"auth", "tenants", "notifications", "activity", "subscriptions", "teams", "tasks"} <= apps_seen
    assert not fingerprint_diff(before, fingerprint(demo.tech))
    assert not failures, "\n".join(failures)


def test_acme_refresh_token_on_tech_host_is_401(sweep_db):
    from tenancy.api.auth_serializers import TenantTokenObtainPairSerializer

    refresh = TenantTokenObtainPairSerializer.get_token(sweep_db.users[f"acme:{Role.TENANT_ADMIN}"])
    response = APIClient(HTTP_HOST=TECH_HOST).post("/api/auth/token/refresh/", {"refresh": str(refresh)},
                                                    format="json")
    assert response.status_code == 401, body_text(response)
    assert "access" not in (body_json(response) or {})


# ---------------------------------------------------------------------------------------------------------
# Another tenant's ids in a request body
# ---------------------------------------------------------------------------------------------------------


def _tech(demo, key):
    return min(demo.tech_ids[key])


def test_other_tenants_ids_in_a_body_are_400_and_write_nothing(sweep_db):
    demo = sweep_db
    admin = demo.users[f"acme:{Role.TENANT_ADMIN}"]
    acme_member = demo.users[f"acme:{Role.MEMBER}"]
    api = client(admin, ACME_HOST)
    acme_team = Team.objects.filter(tenant=demo.acme).order_by("pk").first()
    acme_task = Task.objects.filter(tenant=demo.acme).order_by("pk").first()
    tech_user = demo.users[f"tech:{Role.MEMBER}"]
    tech_team, tech_task = _tech(demo, "team"), _tech(demo, "task")
    open_tech_invoice = Invoice.objects.filter(tenant=demo.tech, status=InvoiceStatus.ISSUED).first() or \
        Invoice.objects.filter(tenant=demo.tech).first()
    plan = Plan.objects.order_by("pk").first()

    def proof():
        return SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    cases = [
        # (label, method, url, body, format, expected statuses)
        ("task create, tech team", "post", "/api/tasks/", {"team": tech_team, "title": "x"}, "json", {400}),
        ("task create, tech assignee", "post", "/api/tasks/",
         {"team": acme_team.pk, "title": "x", "assignee": tech_user.pk}, "json", {400}),
        ("task update, tech assignee", "patch", f"/api/tasks/{acme_task.pk}/", {"assignee": tech_user.pk},
         "json", {400}),
        ("comment create on tech task", "post", f"/api/tasks/{tech_task}/comments/", {"body": "x"}, "json", {404}),
        ("attachment on tech task", "post", f"/api/tasks/{tech_task}/attachments/",
         {"file": SimpleUploadedFile("a.txt", b"x", content_type="text/plain")}, "multipart", {404}),
        ("team add tech member", "post", f"/api/teams/{acme_team.pk}/add-member/",
         {"user": tech_user.pk, "role": "MEMBER"}, "json", {400}),
        ("team remove tech member", "post", f"/api/teams/{acme_team.pk}/remove-member/", {"user": tech_user.pk},
         "json", {400}),
        ("team invitation to tech team", "post", "/api/teams/invitations/",
         {"team": tech_team, "email": acme_member.email}, "json", {400}),
        ("payment for tech invoice", "post", "/api/subscriptions/payments/",
         {"invoice": open_tech_invoice.pk, "amount": str(open_tech_invoice.total), "currency": "USD",
          "method": "BANK_TRANSFER", "reference": "x", "paid_on": "2026-01-01", "proof": proof()}, "multipart",
         {400}),
        ("invoice for tech (staff only)", "post", "/api/subscriptions/invoices/",
         {"tenant": demo.tech.pk, "lines": []}, "json", {403}),
        ("subscription, global plan", "post", "/api/subscriptions/subscriptions/", {"plan": plan.pk}, "json",
         {201, 400, 409}),
    ]
    failures = []
    for label, method, url, body, fmt, expected in cases:
        before_tech, before_acme = fingerprint(demo.tech), fingerprint(demo.acme)
        response = call(api, method, url, body, fmt)
        if response.status_code not in expected:
            failures.append(f"{label}: {method.upper()} {url} -> {response.status_code}, expected {sorted(expected)} "
                            f"{body_text(response)[:200]}")
        if markers_in(body_text(response)):
            failures.append(f"{label}: body names tech")
        if fingerprint_diff(before_tech, fingerprint(demo.tech)):
            failures.append(f"{label}: tech's data changed")
        if response.status_code >= 400:
            changed = [n for n in fingerprint_diff(before_acme, fingerprint(demo.acme))
                       if "ActivityLog" not in n]
            if changed:
                failures.append(f"{label}: refused, yet wrote {changed}")
    assert not failures, "\n".join(failures)


def test_other_tenants_invitation_tokens_do_nothing_here(sweep_db):
    demo = sweep_db
    acme_member = demo.users[f"acme:{Role.MEMBER}"]
    before_tech, users_before = fingerprint(demo.tech), User.objects.count()

    public = APIClient(HTTP_HOST=ACME_HOST)
    response = public.post("/api/tenants/invitations/accept/", {
        "token": demo.tech_tokens["tenant_invitation"], "password": "a-long-enough-password-2026",
        "first_name": "Eve", "last_name": "Sweep"}, format="json")
    assert response.status_code in (400, 404), body_text(response)
    assert not markers_in(body_text(response))

    response = client(acme_member, ACME_HOST).post("/api/teams/invitations/accept/",
                                                   {"token": demo.tech_tokens["team_invitation"]}, format="json")
    assert response.status_code in (400, 404), body_text(response)
    assert not markers_in(body_text(response))

    assert User.objects.count() == users_before
    assert not fingerprint_diff(before_tech, fingerprint(demo.tech))


def test_tech_credentials_do_not_log_in_on_acme_host(sweep_db):
    """Logging in on another company's host looks exactly like a wrong password and issues nothing."""
    api = APIClient(HTTP_HOST=ACME_HOST)
    tech_login = api.post("/api/auth/login/", {"email": "admin@techinnovators.com", "password": "demo-pass-2026"},
                          format="json")
    wrong_password = api.post("/api/auth/login/", {"email": "admin@acme.com", "password": "not-the-password"},
                              format="json")
    assert tech_login.status_code in (400, 401), body_text(tech_login)
    assert (tech_login.status_code, error_code(tech_login)) == (wrong_password.status_code, error_code(wrong_password))
    assert "access" not in (body_json(tech_login) or {})
    assert not markers_in(body_text(tech_login).replace("admin@techinnovators.com", ""))
