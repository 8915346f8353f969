"""The OpenAPI contract, fuzzed: schemathesis against the live test server, every operation.

Every operation of /api/schema/ gets generated requests (valid ones, then invalid ones) sent over
HTTP to a real server on the test database, as a company admin of an ACTIVE company; each answer
must be no 5xx, a documented status, the documented content type and headers, and a body that
matches its schema. Runs once in CI (on MariaDB); `make fuzz` runs more examples
(`CONTRACT_EXAMPLES`, default 12 per operation and mode here; at least `CONTRACT_MIN_REQUESTS`,
default 2,000, requests must have been sent).
"""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.contract, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(int(os.environ.get("CONTRACT_TIMEOUT", "600")))]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Operations that end the caller's sessions would leave the rest of the run without a valid token.
SESSION_ENDING = {("POST", "/api/auth/logout-everywhere/")}


def _examples() -> int:
    return int(os.environ.get("CONTRACT_EXAMPLES", "12"))


@pytest.fixture
def contract_world(live_server):
    """An ACTIVE company with an admin, a team, a task, a comment: ids that exist for the fuzzer to find."""
    from django.core.cache import cache
    from rest_framework_simplejwt.tokens import AccessToken

    from tenancy.models import Role
    from tenancy.tests.factories import TenantFactory, UserFactory
    from work.models import TeamRole
    from work.tests.factories import CommentFactory, TaskFactory, TeamFactory, make_member

    tenant = TenantFactory(slug="contract")
    admin = UserFactory(tenant=tenant, role=Role.TENANT_ADMIN, email="admin@contract.example")
    team = TeamFactory(tenant=tenant, name="Contract team")
    make_member(team, admin, TeamRole.MANAGER)
    task = TaskFactory(team=team, creator=admin, title="Contract task")
    CommentFactory(task=task, author=admin, body="hello")

    state = {}

    def headers(*, renew: bool = False) -> dict:
        cache.clear()  # throttles count in the cache: the fuzzer is not the client they protect against
        if renew or "token" not in state:
            # A generated request may have changed the admin's token version (a role or password change).
            admin.refresh_from_db()
            token = AccessToken.for_user(admin)
            token["tenant_id"], token["role"], token["ver"] = tenant.pk, admin.role, admin.token_version
            state["token"] = str(token)
        return {"Authorization": f"Bearer {state['token']}"}

    return live_server.url, headers


def test_every_operation_keeps_the_contract(contract_world):
    base_url, headers = contract_world
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json")
    failures: list[str] = []
    sent = 0
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SESSION_ENDING:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=_examples(), deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def run(case):
                nonlocal sent
                response = case.call(base_url=base_url, headers=headers(), session=session, timeout=30)
                sent += 1
                if response.status_code == 401:
                    headers(renew=True)
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every failure, then report
                    details = "\n".join(str(error) for error in getattr(exc, "exceptions", [exc]))
                    failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: "
                                    f"{details.strip()[:1500]}")

            run()
    print(f"schemathesis: {sent} requests")
    if os.environ.get("CONTRACT_REPORT"):
        with open(os.environ["CONTRACT_REPORT"], "w") as report:
            report.write("\n\n".join(failures))
    assert sent >= int(os.environ.get("CONTRACT_MIN_REQUESTS", "2000")), sent
    assert not failures, "\n\n".join(failures[:40]) + f"\n\n{len(failures)} failures"
