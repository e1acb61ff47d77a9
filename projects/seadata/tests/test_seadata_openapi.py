"""The project's operations are in the spec (tagged seadata), and a bounded schemathesis run
of each, with generated inputs, as alice and anonymously, finds no server error."""

from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from tests.api.deployments import PASSWORD

TIMEOUT = 30  # a safeguard against a hang, not a measurement
OPERATIONS = {"/api/ingestion/{batch}": {"get", "post", "put"}, "/api/ingestion/{batch}/qc": {"post"},
              "/api/orders": {"get", "post"}, "/api/orders/{order}": {"get", "delete"}}


def test_the_spec_documents_the_project_and_generated_requests_cause_no_server_error(seadata):
    spec = requests.get(seadata.url("/api/specs"), timeout=TIMEOUT).json()
    validate(spec)
    for path, methods in OPERATIONS.items():
        documented = spec["paths"][path]
        assert set(documented) >= methods, path
        assert all(documented[method]["tags"] == ["seadata"] for method in methods)
        assert all(documented[method]["security"] == [{"bearerAuth": []}] for method in methods)

    schema = schemathesis.openapi.from_url(seadata.url("/api/specs"))
    operations = [result.ok() for result in schema.get_all_operations()
                  if result.ok().path in OPERATIONS]
    assert len(operations) == sum(len(methods) for methods in OPERATIONS.values())
    token = seadata.live.login("alice", PASSWORD)
    server_errors = []
    for operation in operations:
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            for headers in ({"Authorization": f"Bearer {token}"}, {}):
                response = case.call(base_url=seadata.url(""), headers=headers, timeout=TIMEOUT)
                if response.status_code >= 500:
                    server_errors.append((case.method, case.formatted_path, response.status_code,
                                          response.text[:300]))

        exercise()
    assert server_errors == []
