"""A bounded property-based run over the OpenAPI spec, every route: no input may make the
server answer 5xx, and every answer must be a status the document declares for the route,
with the declared content type and schema. Valid and invalid inputs (positive and
negative generation), and for routes with a path parameter also inputs naming a resource
that exists (an uploaded file, a submitted case), so the success answers are checked too.
Real HTTP to the live server, SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from contextlib import closing
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync.server.app import create_app
from sync.server.reviewers import create_reviewer
from tests.sync.conftest import ServerEnv
from tests.sync.test_server_attachments import link, put, start
from tests.sync.test_server_review import submitted_case

POSITIVE, NEGATIVE, EXISTING = 25, 15, 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _setup(server: ServerEnv) -> tuple[str, str, dict[str, str]]:
    """Device and reviewer credentials, and path parameters naming things that exist."""
    device = server.enroll()
    data = b"schemathesis attachment"
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    put(device, sha, 0, data)
    link(device, sha, len(data))
    case_id = submitted_case(server, device)
    device.http.close()
    username = f"fuzz-{server.new_village()}"
    create_reviewer(server.db, username, "模糊测试", "fuzz-password-1")
    with closing(server.client()) as http:
        token = http.post("/api/v1/review/login", json={"username": username, "password": "fuzz-password-1"}).json()
    return device.headers["Authorization"], f"Bearer {token['token']}", {"sha256": sha, "case_id": case_id}


def _fuzz(operation: Any, url: str, headers: dict[str, str], examples: int, mode: GenerationMode,
          path_parameters: dict[str, str] | None = None) -> None:
    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=url, headers=headers, checks=CHECKS)

    run()


def test_every_route_answers_only_what_it_declares(server: ServerEnv) -> None:
    device_auth, reviewer_auth, existing = _setup(server)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    app = create_app(server.settings, server.db)
    served = {f"{method} {route.path}" for route in app.routes if isinstance(route, APIRoute)
              for method in route.methods}
    assert {f"{op.method.upper()} {op.path}" for op in operations} == served  # every route is in the document
    failures: list[str] = []
    for operation in operations:
        path = operation.path
        if path.endswith(("/login", "/enroll", "/health")):
            headers = {}
        else:
            headers = {"Authorization": reviewer_auth if path.startswith("/api/v1/review/") else device_auth}
        slow = path.endswith("/login")  # argon2 is deliberately slow: fewer examples there
        runs = [(GenerationMode.POSITIVE, 5 if slow else POSITIVE, None)]
        if list(operation.iter_parameters()) or operation.get_request_payload_content_types():
            runs.append((GenerationMode.NEGATIVE, 5 if slow else NEGATIVE, None))
        params = {name: existing[name] for name in existing if "{" + name + "}" in path}
        if params:
            runs.append((GenerationMode.POSITIVE, EXISTING, params))
        for mode, examples, path_parameters in runs:
            try:
                _fuzz(operation, server.url, headers, examples, mode, path_parameters)
            except Exception as exc:  # collect every operation's failure, not just the first
                failures.append(f"{operation.label} ({mode.value}{', existing' if path_parameters else ''}): {exc}")
    if failures:
        pytest.fail("\n\n".join(failures))
