"""Error pages for browsers: the API keeps problem+json, /dashboard gets HTML that explains."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.dashboard.web import PREFIX, LoginRequired, is_htmx, render
from app.errors import ProblemError

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

ADVICE = {
    400: "Check what you entered and submit the form again.",
    401: "Sign in again to continue.",
    403: "If you were submitting a form, reload the page (your session may have changed) and "
    "try again. Otherwise ask a hub operator for access.",
    404: "It may have been removed, the link may be mistyped, or it belongs to another "
    "organisation. Go back to the list and search for it.",
    405: "Use the buttons and forms on the page rather than typing the address.",
    409: "Someone changed this at the same time, or the action does not fit its current state. "
    "Reload the page to see where it stands now.",
    413: "The file is larger than the hub accepts.",
    422: "Some fields are missing or invalid. Go back, correct them and submit again.",
    429: "Too many requests: wait a moment and try again.",
    503: "The hub is not accepting changes right now. If the message mentions anchoring, the "
    "transparency log has not been anchored for too long: a hub operator must restore anchoring "
    "(see the Ledger page). Reading, searching and verification keep working.",
    500: "Something went wrong on our side and it has been logged. Try again in a minute; if it "
    "keeps happening, give the request id below to the hub operator.",
}


def _describe(exc: Exception) -> tuple[int, str, str, list[str]]:
    if isinstance(exc, ProblemError):
        errors = [str(e.get("message", e)) for e in exc.extensions.get("errors", []) if e]
        return exc.status, exc.title, exc.detail, errors
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            detail = "There is no page at this address."
        return exc.status_code, "Error", detail, []
    if isinstance(exc, RequestValidationError):
        errors = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
            for e in exc.errors()[:20]
        ]
        return 422, "Invalid input", "Some fields are missing or invalid.", errors
    return 500, "Internal error", "An unexpected error occurred.", []


def error_page(request: Request, exc: Exception) -> Response:
    status, title, detail, errors = _describe(exc)
    context: dict[str, Any] = {
        "status": status,
        "title": title,
        "detail": detail,
        "errors": errors,
        "advice": ADVICE.get(status, ADVICE[500] if status >= 500 else ADVICE[400]),
        "request_id": getattr(request.state, "request_id", None),
    }
    template = "_error_fragment.html" if is_htmx(request) else "error.html"
    response = render(request, template, context, status_code=status)
    if isinstance(exc, ProblemError) and getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(exc.retry_after)  # type: ignore[attr-defined]
    return response


def login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = f"{PREFIX}/login?{urlencode({'next': exc.next_path})}"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _for_dashboard(api_handler: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return error_page(request, exc)
        assert api_handler is not None
        result = api_handler(request, exc)
        return await result if inspect.isawaitable(result) else result

    return handle


def install_error_pages(app: FastAPI) -> None:
    """Wrap the problem+json handlers so that only dashboard paths answer with HTML."""
    for exc_class in (ProblemError, StarletteHTTPException, RequestValidationError, Exception):
        app.add_exception_handler(exc_class, _for_dashboard(app.exception_handlers.get(exc_class)))
    app.add_exception_handler(LoginRequired, login_redirect)
