"""The OpenAPI schema documents the error shape on every operation."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenancy.api.schema import ErrorResponse, error_responses

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def _error_ref(response):
    return response["content"]["application/json"]["schema"]["$ref"]


def test_the_error_component_has_code_detail_and_fields(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "detail", "fields"}
    assert set(error["required"]) == {"code", "detail", "fields"}


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    operations = list(_operations(schema))
    assert len(operations) > 40
    for path, method, operation in operations:
        responses = operation["responses"]
        errors = {status: response for status, response in responses.items() if status.startswith(("4", "5"))}
        assert "503" in errors, (method, path)
        for status, response in errors.items():
            assert _error_ref(response) == ERROR_REF, (method, path, status)
            assert "Codes: `" in response["description"], (method, path, status)
        if method != "GET":
            assert "409" in errors and "conflict_retry" in errors["409"]["description"], (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in errors and "token_revoked" in errors["401"]["description"], (method, path)


def test_public_endpoints_do_not_document_401(schema):
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert "401" not in login["responses"] or "not_authenticated" not in login["responses"]["401"]["description"]


def test_declared_codes_are_merged_with_the_shared_ones():
    declared = error_responses({400: ["email_taken", "password_too_weak"], 409: ["invitation_used"]})
    assert isinstance(declared[400], ErrorResponse)
    assert declared[400].codes == ["email_taken", "password_too_weak"]
    assert "`email_taken`, `password_too_weak`" in declared[400].description


def _response_schema(schema, path, method="get", status="200"):
    content = schema["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]


def _component(schema, ref_or_schema):
    ref = ref_or_schema.get("$ref") or ref_or_schema.get("allOf", [{}])[0].get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


def test_the_schema_says_what_the_api_answers(schema):
    preferences = _response_schema(schema, "/api/notifications/preferences/")
    assert preferences["type"] == "array"
    reset = _component(schema, _response_schema(schema, "/api/auth/password-reset/", "post"))
    assert set(reset["properties"]) == {"detail"}
    task = schema["components"]["schemas"]["Task"]["properties"]
    for name in ("assignee", "creator"):
        assert task[name].get("nullable") is True, name
    subscription = schema["components"]["schemas"]["Subscription"]["properties"]
    assert subscription["next_plan"].get("nullable") is True
    download = schema["paths"]["/api/tasks/{id}/attachments/{attachment_id}/download/"]["get"]["responses"]["200"]
    assert {"image/png", "application/pdf", "application/octet-stream"} <= set(download["content"])
    page_size = next(p for p in schema["paths"]["/api/tasks/"]["get"]["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["minimum"] == 1 and page_size["schema"]["maximum"] == 100


@pytest.mark.parametrize("query", ["page_size=null", "page_size=0", "page_size=101", "page=0", "page=abc"])
def test_bad_page_parameters_are_400(api, tenant_admin, query):
    response = api(tenant_admin).get(f"/api/tenants/members/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_page", "invalid_page_size")


# --- Pagination and Idempotency-Key errors, documented exactly where they can happen ---------------------

PAGINATION_CODES = ("page_too_deep", "invalid_cursor")
IDEMPOTENCY_400 = ("idempotency_key_invalid",)
IDEMPOTENCY_409 = ("idempotency_key_reused", "idempotency_key_in_progress")


def _codes(operation, status: str) -> set[str]:
    description = operation["responses"].get(status, {}).get("description", "")
    return {part.split("`")[0] for part in description.split("`")[1::2]} if "Codes:" in description else set()


def _takes_a_cursor(operation) -> bool:
    return any(p["name"] == "cursor" and p["in"] == "query" for p in operation.get("parameters", []))


def test_paginated_lists_document_the_cursor_and_depth_errors_and_nothing_else_does(schema):
    paginated = 0
    for path, method, operation in _operations(schema):
        documented = _codes(operation, "400")
        if _takes_a_cursor(operation):
            paginated += 1
            assert set(PAGINATION_CODES) <= documented, (method, path)
        else:
            assert not documented & {*PAGINATION_CODES, "cursor_ordering_unsupported"}, (method, path)
    assert paginated >= 15


def test_idempotency_key_errors_are_documented_on_every_post_it_applies_to_only(schema):
    from ops.idempotency import applies_to

    posts = 0
    for path, method, operation in _operations(schema):
        applies = method == "POST" and applies_to(path)
        posts += applies
        assert (set(IDEMPOTENCY_400) <= _codes(operation, "400")) is applies, (method, path)
        assert (set(IDEMPOTENCY_409) <= _codes(operation, "409")) is applies, (method, path)
        assert not (_codes(operation, "400") | _codes(operation, "409")) & {*IDEMPOTENCY_400, *IDEMPOTENCY_409} \
            or applies, (method, path)
    assert posts >= 30
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert "idempotency_key_invalid" not in _codes(login, "400")


def _ordering_candidates(schema, path, operation) -> set[str]:
    """Every name `?ordering=` could take on this list: the row's fields and the view's ordering_fields."""
    from django.urls import resolve

    row = _component(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
    while "results" in row["properties"]:  # a page (the notifications' page is declared whole, then paginated)
        row = _component(schema, row["properties"]["results"]["items"])
    view = resolve(path.replace("{id}", "1")).func
    return set(row["properties"]) | set(getattr(view.cls, "ordering_fields", None) or [])


@pytest.mark.django_db
def test_cursor_ordering_unsupported_is_documented_exactly_on_the_lists_that_answer_it(
        schema, api, tenant, tenant_admin, super_admin):
    """Request every list with ?cursor= and each ordering it could take: the code is documented iff one refuses."""
    from work.tests.factories import TaskFactory, TeamFactory

    team = TeamFactory(tenant=tenant)
    task = TaskFactory(team=team)
    ids = {"/api/tasks/{id}/": task.id, "/api/teams/{id}/": team.id}
    checked = set()
    for path, method, operation in _operations(schema):
        if method != "GET" or not _takes_a_cursor(operation):
            continue
        url = path
        for prefix, value in ids.items():
            url = url.replace(prefix, prefix.replace("{id}", str(value)))
        assert "{" not in url, path
        staff = "/staff/" in path or path == "/api/tenants/"
        client = api(super_admin) if staff else api(tenant_admin)
        refused = set()
        for name in sorted(_ordering_candidates(schema, path, operation)):
            for term in (name, f"-{name}"):
                response = client.get(url, {"cursor": "", "ordering": term})
                assert response.status_code in (200, 400), (path, term, response.status_code)
                if response.status_code == 400:
                    assert response.json()["code"] == "cursor_ordering_unsupported", (path, term)
                    refused.add(term)
        assert client.get(url, {"cursor": ""}).status_code == 200, path  # the default order always takes one
        documented = "cursor_ordering_unsupported" in _codes(operation, "400")
        assert documented is bool(refused), (path, sorted(refused))
        checked.add((path, documented))
    assert ("/api/tasks/", True) in checked and ("/api/teams/", False) in checked
    assert len(checked) >= 15


@pytest.mark.django_db
def test_a_bad_idempotency_key_is_the_documented_400(api, tenant_admin):
    response = api(tenant_admin).post("/api/teams/", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY=" ")
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"


def _as_json_schema(schema, node):
    """`node` with its $refs resolved and OpenAPI 3.0's `nullable` spelt as JSON Schema's null type."""
    if isinstance(node, list):
        return [_as_json_schema(schema, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _as_json_schema(schema, _component(schema, node))
    converted = {key: _as_json_schema(schema, value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["page_size=2", "cursor=&page_size=2"])
def test_the_notification_list_is_documented_as_the_page_it_answers(schema, api, tenant, member, query):
    import jsonschema

    from tenancy.models import Notification

    page = _component(schema, _response_schema(schema, "/api/notifications/"))
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Notification"}
    assert page["properties"]["unread_count"]["type"] == "integer"
    assert {"results", "unread_count"} <= set(page["required"])
    assert "NotificationPage" not in schema["components"]["schemas"]  # the old page of pages
    for title in ("First", "Second", "Third"):
        Notification.objects.create(tenant=tenant, recipient=member, type="task_commented", title=title)

    body = api(member).get(f"/api/notifications/?{query}").json()

    assert body["unread_count"] == 3 and [row["title"] for row in body["results"]] == ["Third", "Second"]
    jsonschema.validate(body, {**_as_json_schema(schema, page), "additionalProperties": False})
