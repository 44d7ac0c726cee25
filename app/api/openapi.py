"""The OpenAPI document as the API behaves: problem responses, security and scopes per operation.

FastAPI describes what a route returns when all goes well. Every error here is an RFC 9457
problem whose status depends on what the route depends on (a token, scopes, path ids, a body)
and on the layers in front of it (body limits, the ledger write guard, rate limits). This
module derives those from the routes themselves, so a new route is described correctly
without repeating the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import ScopeCheck, get_principal, require_peer
from app.api.problems import PROBLEM_JSON
from app.security.scopes import SCOPES

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_SCHEME = "oauth2"
PEER_SCHEME = "peerAssertion"
#: Operations anyone may call. Every other operation must depend on a verified access token;
#: a test fails for a route that does neither. /metrics is public unless a token is set.
PUBLIC_OPERATIONS = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("POST", "/oauth/token"),
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/.well-known/oauth-authorization-server"),
        ("GET", "/.well-known/tradegate-log"),
        ("GET", "/.well-known/tradegate-hub"),
        ("GET", "/v1/ledger/checkpoint"),
        ("GET", "/v1/ledger/proof/inclusion"),
        ("GET", "/v1/ledger/proof/consistency"),
        ("POST", "/v1/verify"),
        # C2SP tlog-witness: the log's signature on the checkpoint is the only credential.
        ("POST", "/add-checkpoint"),
        ("POST", "/federation/v1/witness/add-checkpoint"),
        # The OAuth provider's redirect: the single-use state it carries is the credential.
        ("GET", "/v1/connectors/authorization/callback"),
        # A remote system's push: the instance's connector checks its signature or secret.
        ("POST", "/v1/connectors/instances/{instance_id}/events"),
    }
)


@dataclass(frozen=True)
class Operation:
    """One method of one documented route, with what it depends on."""

    method: str
    path: str
    dependant: Dependant

    @property
    def calls(self) -> list[Any]:
        return [d.call for d in _walk(self.dependant) if d.call is not None]

    @property
    def authenticated(self) -> bool:
        """Needs a verified credential: a hub access token, or a peer hub's assertion."""
        return get_principal in self.calls or self.peer_authenticated

    @property
    def peer_authenticated(self) -> bool:
        return require_peer in self.calls

    @property
    def scope_checks(self) -> list[ScopeCheck]:
        return [c for c in self.calls if isinstance(c, ScopeCheck)]


def api_operations(app: FastAPI) -> Iterator[Operation]:
    """Every documented operation of the app (the dashboard is not part of the API)."""
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        for method in sorted(context.methods or ()):
            yield Operation(method, str(context.path_format), context.dependant)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is stable, `detail` is for people.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/insufficient-scope"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "reason": {"type": "string", "description": "A finer machine-readable cause"},
        "required": {"type": "array", "items": {"type": "string"}},
        "errors": {
            "type": "array",
            "description": "Itemised errors: where, what, and the rule that failed",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                    "rule": {"type": "string"},
                },
                "additionalProperties": True,
            },
        },
    },
    "additionalProperties": True,
}

_HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": "The authentication challenge",
        "schema": {"type": "string"},
    },
}
_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, a missing or invalid header)",
    401: "Missing, expired or invalid access token",
    403: "The token lacks a scope or role the operation needs",
    404: "No such object for this caller (other tenants' objects are not found either)",
    408: "The body did not arrive in time (a slow client is cut off)",
    409: "Conflicts with the current state (an idempotency key in use, a transition refused)",
    413: "The body exceeds the size limit",
    415: "The body's media type is not accepted here",
    422: "The request does not match the expected shape; `errors` itemises",
    429: "Rate limit exceeded; retry after `Retry-After` seconds",
    502: "A peer hub could not be reached or answered out of protocol",
    503: "Temporarily unavailable (database, ledger anchoring stalled); retry later",
}
_WITH_HEADERS = {401: ["WWW-Authenticate"], 429: ["Retry-After"], 503: ["Retry-After"]}


def document_body(description: str) -> dict[str, Any]:
    """`openapi_extra` for routes that read a trade document as the raw body (JSON or XML)."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/xml": {"schema": {"type": "string"}},
            },
        }
    }


def document_content() -> dict[int | str, dict[str, Any]]:
    """`responses` for routes that answer with a stored document's own bytes."""
    return {
        200: {
            "description": "The document's original bytes, in its own media type",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/xml": {"schema": {"type": "string"}},
            },
            "headers": {
                "Repr-Digest": {
                    "description": "RFC 9530 digest of the bytes",
                    "schema": {"type": "string"},
                }
            },
        }
    }


def problem_response_doc(status: int) -> dict[str, Any]:
    """The documented problem response for `status` (routes add ones the rules cannot see)."""
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in _WITH_HEADERS:
        response["headers"] = {name: _HEADERS[name] for name in _WITH_HEADERS[status]}
    return response


def _walk(dependant: Dependant) -> list[Dependant]:
    found = [dependant]
    for sub in dependant.dependencies:
        found += _walk(sub)
    return found


def _security(checks: list[ScopeCheck]) -> list[dict[str, list[str]]]:
    """Alternatives of scope sets: all of an all-of check, or any one of an any-of check."""
    options: list[set[str]] = [set()]
    for check in checks:
        if check.any_of:
            options = [have | {scope} for have in options for scope in check.scopes]
        else:
            options = [have | set(check.scopes) for have in options]
    return [{SECURITY_SCHEME: sorted(option)} for option in options]


def error_statuses(operation: Operation) -> set[int]:
    """What the layers and dependencies of one operation can answer besides success."""
    dependant = operation.dependant
    statuses = {503}
    if operation.path.startswith(("/v1/", "/oauth/", "/federation/")):
        statuses.add(429)
    if operation.authenticated:
        statuses |= {401, 403, 404}
    if dependant.path_params:
        statuses |= {404, 422}
    if any(d.query_params or d.header_params for d in _walk(dependant)):
        statuses |= {400, 422}
    if operation.method in WRITE_METHODS:
        statuses |= {400, 408, 413, 415, 422}
        if operation.authenticated:
            statuses.add(409)
    return statuses


def _describe(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "oauth2",
            "description": "Client credentials (client_secret_basic or private_key_jwt)",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": SCOPES}},
        },
        PEER_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Hub to hub: a per-call RFC 7523 assertion (typ tradegate-peer+jwt) "
            "signed by the calling peer hub's key from its pinned metadata (docs/federation.md)",
        },
    }
    for operation in api_operations(app):
        described = document["paths"][operation.path][operation.method.lower()]
        responses = described.setdefault("responses", {})
        responses.pop("422", None)
        for status in sorted(error_statuses(operation)):
            responses.setdefault(str(status), problem_response_doc(status))
        if operation.peer_authenticated:
            described["security"] = [{PEER_SCHEME: []}]
        elif operation.authenticated:
            described["security"] = _security(operation.scope_checks)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the derived document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render(app: FastAPI) -> str:
    """The document as committed in docs/openapi.json: sorted keys, two-space indent."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
