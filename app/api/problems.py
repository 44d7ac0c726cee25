"""Render every error as RFC 9457 application/problem+json."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import ProblemError

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)

_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("request-timeout", "Request timeout"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable", "Unprocessable content"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}


def problem_body(
    status: int, detail: str, slug: str | None = None, **extensions: Any
) -> dict[str, Any]:
    default_slug, title = _TITLES.get(status, ("error", "Error"))
    return {
        "type": f"/problems/{slug or default_slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extensions,
    }


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_error_response(exc: ProblemError, path: str) -> JSONResponse:
    """The answer to a typed error raised while serving `path`, wherever it was raised."""
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="tradegate"')
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return problem_response(exc.status, exc.to_problem(instance=path), headers)


def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_error_response(exc, request.url.path)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        exc.status_code,
        problem_body(exc.status_code, detail, instance=request.url.path),
        headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (one route per method: the router's own
    Allow names only the first route that matched the path)."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        match, _ = context.matches(request.scope)
        if match is not Match.NONE and context.methods:
            methods |= context.methods
    return sorted(methods)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "location": "/" + "/".join(str(p) for p in e.get("loc", ())),
            "message": str(e.get("msg", "")),
            "rule": str(e.get("type", "")),
        }
        for e in exc.errors()[:100]
    ]
    if any(e["rule"] == "json_invalid" for e in errors):
        body = problem_body(
            400,
            "the request body is not valid JSON",
            "malformed-json",
            errors=errors,
            instance=request.url.path,
        )
        return problem_response(400, body)
    body = problem_body(
        422,
        "the request does not match the expected shape",
        "request-validation",
        errors=errors,
        instance=request.url.path,
    )
    return problem_response(422, body)


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost database connection is transient (restart, failover): 503, retry shortly."""
    assert isinstance(exc, sa.exc.DBAPIError)
    if not exc.connection_invalidated:
        return _unexpected(request, exc)
    log.warning("database_connection_lost", path=request.url.path)
    body = problem_body(
        503,
        "the database connection was lost; retry the request",
        "database-unavailable",
        instance=request.url.path,
    )
    return problem_response(503, body, {"Retry-After": "1"})


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    body = problem_body(
        500, "an unexpected error occurred; it has been logged", instance=request.url.path
    )
    return problem_response(500, body)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(sa.exc.DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
