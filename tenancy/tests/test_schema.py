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
