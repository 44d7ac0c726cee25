"""Typed errors that carry their HTTP status and render as RFC 9457 problems."""

from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """An error a client can act on; `slug` is the stable problem type."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        return f"/problems/{self.slug}"

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(ProblemError):
    status, slug, title = 422, "unprocessable", "Unprocessable content"


class TooManyRequests(ProblemError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.retry_after = max(1, int(retry_after))
        self.extensions.setdefault("retry_after", self.retry_after)


class BadGateway(ProblemError):
    status, slug, title = 502, "bad-gateway", "Bad gateway"


class ServiceUnavailable(ProblemError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


class SetupError(Exception):
    """The hub cannot run as configured; the message is one line that says what to do.

    Raised before any request is served (an unmigrated database, a configuration that
    contradicts the stored identity, an unusable key file), so commands print it instead
    of a traceback and the server refuses to start.
    """
