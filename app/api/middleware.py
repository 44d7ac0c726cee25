"""ASGI middleware: request ids, access logs and metrics; body-size and JSON-depth limits."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import PROBLEM_JSON, problem_body
from app.domain.json_depth import exceeds_depth

log = structlog.get_logger("tradegate.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


async def send_problem(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """Gives every request an id (echoed back), a JSON access log line and metrics."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "tradegate_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "tradegate_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            self.requests.labels(scope["method"], route, str(status)).inc()
            self.latency.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class _BodyTooLarge(Exception):
    pass


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class _BodyTooSlow(Exception):
    """The client is sending its body too slowly (a slow-body, or slowloris, attack)."""


def _with_deadline(receive: Receive, seconds: float) -> Receive:
    """`receive` that gives the whole body `seconds` to arrive, then raises _BodyTooSlow.

    A worker slot held open by a trickle of bytes serves nobody else; the deadline ends
    with the body, so waiting for a disconnect afterwards is not limited.
    """
    deadline = time.monotonic() + seconds
    complete = False

    async def timed() -> Message:
        nonlocal complete
        if complete:
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.001))
        except TimeoutError as exc:
            raise _BodyTooSlow from exc
        if message["type"] != "http.request" or not message.get("more_body", False):
            complete = True
        return message

    return timed


class BodyLimitMiddleware:
    """Caps request bodies by counting streamed bytes, and JSON nesting depth.

    The Content-Length header is checked first; chunked bodies are counted as they arrive
    and answered with 413 as soon as the cap is crossed, before the rest is read. JSON
    bodies are depth-checked before any parser sees them, so a 10,000-deep array is a 400
    instead of a RecursionError.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_depth: int, body_timeout: float = 30.0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.body_timeout = body_timeout

    def _too_large(self) -> dict[str, Any]:
        return problem_body(
            413, f"request body exceeds {self.max_bytes} bytes", max_bytes=self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_problem(send, 400, problem_body(400, "invalid Content-Length"))
                return
            if declared > self.max_bytes:
                await send_problem(send, 413, self._too_large(), [(b"connection", b"close")])
                return
        timed = _with_deadline(receive, self.body_timeout)
        if _is_json(headers.get(b"content-type", b"").decode("latin-1")):
            try:
                await self._json(scope, timed, send)
            except _BodyTooSlow:
                await self._too_slow(send)
        else:
            await self._streamed(scope, timed, send)

    async def _too_slow(self, send: Send) -> None:
        body = problem_body(
            408, f"the request body did not arrive within {self.body_timeout:g} s", "body-too-slow"
        )
        await send_problem(send, 408, body, [(b"connection", b"close")])

    async def _json(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_problem(send, 413, self._too_large(), [(b"connection", b"close")])
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if exceeds_depth(body, self.max_depth):
            await send_problem(
                send,
                400,
                problem_body(
                    400,
                    f"JSON nesting exceeds {self.max_depth} levels",
                    "json-too-deep",
                    max_depth=self.max_depth,
                ),
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send) -> None:
        size = 0
        responded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal size, responded
            try:
                message = await receive()
            except _BodyTooSlow:
                if not started and not responded:
                    responded = True
                    await self._too_slow(send)
                raise
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    if not started and not responded:
                        responded = True
                        await send_problem(
                            send, 413, self._too_large(), [(b"connection", b"close")]
                        )
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if responded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except (_BodyTooLarge, _BodyTooSlow):
            pass
        except Exception:
            if not responded:
                raise
