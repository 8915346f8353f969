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
