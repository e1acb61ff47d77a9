"""The OpenAPI spec is valid, complete, and a bounded schemathesis run against the
live uWSGI server finds no server error."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

SECURED_PREFIXES = ("/api/data", "/api/metadata", "/api/permissions", "/api/copy", "/api/move",
                    "/auth/profile", "/auth/tokens", "/auth/logout", "/admin/")


def test_spec_validates_and_documents_every_endpoint(api):
    spec = requests.get(api.url("/api/specs"), timeout=30).json()
    validate(spec)
    for path in ("/api/status", "/api/data/{irods_path}", "/api/copy", "/api/move",
                 "/api/metadata/{irods_path}", "/api/permissions/{irods_path}", "/api/tickets",
                 "/api/tickets/{ticket}", "/api/tickets/{ticket}/content",
                 "/api/tickets/{ticket}/content/{relative}", "/auth/login", "/auth/logout",
                 "/auth/profile", "/auth/tokens", "/admin/users"):
        assert path in spec["paths"], path
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path.startswith(SECURED_PREFIXES):
                assert operation.get("security") == [{"bearerAuth": []}], (method, path)


def test_swagger_ui_page_is_served(api):
    page = requests.get(api.url("/api/docs"), timeout=30)
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert requests.get(api.url("/api/docs/static/swagger-ui-bundle.js"), timeout=30).status_code == 200


@pytest.fixture(scope="module")
def live_schema(api):
    return schemathesis.openapi.from_url(api.url("/api/specs"))


schema = schemathesis.pytest.from_fixture("live_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, api):
    # Both as alice and anonymously, since most endpoints differ in the two; a fresh
    # token each time, since generated cases may log out or revoke the one they got.
    for headers in ({"Authorization": f"Bearer {api.login('alice')}"}, {}):
        response = case.call(base_url=api.url(""), headers=headers, timeout=30)
        assert response.status_code < 500, (case.method, case.formatted_path, response.status_code,
                                             response.text[:300])
