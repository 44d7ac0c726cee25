"""The committed OpenAPI document is the one the app serves, and it tells the truth."""

from __future__ import annotations

import pytest

from app.api.openapi import render
from tests.support import REPO

pytestmark = pytest.mark.integration

COMMITTED = REPO / "docs" / "openapi.json"


def test_committed_document_matches_the_app(client):
    served = render(client.app)
    assert COMMITTED.read_text() == served, (
        "docs/openapi.json is stale: run `tradegate openapi --out docs/openapi.json`"
    )


#: Error answers a published protocol fixes: C2SP tlog-witness's 409 is the size, as text.
PROTOCOL_ERRORS = {
    ("post", "/add-checkpoint", "409"),
    ("post", "/federation/v1/witness/add-checkpoint", "409"),
}


def test_every_error_response_is_a_problem_document(client):
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and (method, path, status) not in PROTOCOL_ERRORS:
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)


def test_authenticated_operations_declare_401_and_their_scopes(client):
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/data/documents"]["get"]
    assert operation["security"] == [{"oauth2": ["data:read"]}]
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    metrics = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert next(iter(metrics)).startswith("text/plain")


def test_undeclared_method_is_405_with_every_allowed_method(client):
    answer = client.request("OPTIONS", "/v1/consents")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"] == "application/problem+json"
