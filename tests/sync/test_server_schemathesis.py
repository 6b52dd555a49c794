"""A bounded property-based run over the OpenAPI spec: no input may make the server answer
5xx, and documented responses must match their schemas. Real HTTP to the live server."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from sync.server.reviewers import create_reviewer
from tests.sync.conftest import ServerEnv

MAX_EXAMPLES = 20


def _tokens(server: ServerEnv) -> tuple[str, str]:
    device = server.enroll()
    device.push([device.household()[1]])
    device.http.close()
    username = f"fuzz-{server.new_village()}"
    create_reviewer(server.db, username, "模糊测试", "fuzz-password-1")
    with closing(server.client()) as http:
        token = http.post("/api/v1/review/login", json={"username": username, "password": "fuzz-password-1"}).json()
    return device.headers["Authorization"], f"Bearer {token['token']}"


def _fuzz(operation: Any, url: str, headers: dict[str, str], examples: int) -> Any:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=url, headers=headers, checks=[not_a_server_error, response_schema_conformance])

    return run


def test_no_input_makes_the_server_fail(server: ServerEnv) -> None:
    device_auth, reviewer_auth = _tokens(server)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures: list[str] = []
    for operation in operations:
        path = operation.path
        if path.endswith(("/login", "/enroll")):
            headers = {}
        else:
            headers = {"Authorization": reviewer_auth if path.startswith("/api/v1/review/") else device_auth}

        # login verifies an argon2 hash (deliberately slow): fewer examples there
        examples = 5 if path.endswith("/login") else MAX_EXAMPLES
        try:
            _fuzz(operation, server.url, headers, examples)()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {exc}")
    if failures:
        pytest.fail("\n\n".join(failures))
